package dev.driftless.host;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.driftless.testing.DriftlessProcess;
import dev.driftless.testing.FleetFixture;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The packaged jar refuses to start with a target that could smuggle options to ssh, or a password. */
class BadTargetIT {

    @Test
    void controllerWithABadTargetDoesNotStartAndNamesTheHostWithoutItsPassword() {
        try (FleetFixture repo = new FleetFixture(List.of("web1", "db1"))) {
            Map<String, String> config = new java.util.HashMap<>(repo.config());
            config.put("driftless.hosts.web1.target", "ssh://-oProxyCommand=reboot@web1");
            config.put("driftless.hosts.db1.target", "ssh://deploy:hunter2@db1");
            DriftlessProcess app = DriftlessProcess.launch(config, "bad-target");
            try {
                await().atMost(Duration.ofSeconds(120)).until(() -> !app.alive());
                String log = app.log();
                assertTrue(log.contains("driftless.hosts.web1.target: target 'ssh://-oProxyCommand="), log);
                assertTrue(log.contains("driftless.hosts.db1.target: target 'ssh://deploy:***@db1' holds a password"), log);
                assertFalse(log.contains("hunter2"), log);
                assertFalse(log.contains("reconciliation failed"), "no host was reconciled before the start was refused:\n" + log);
            } finally {
                app.close();
            }
        }
    }
}
