package dev.driftless.host.health;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.driftless.testing.DriftlessProcess;
import dev.driftless.testing.FleetFixture;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The packaged jar refuses to start with checks that are wrong, names each, and shows no URL's password. */
class BadHealthCheckIT {

    @Test
    void controllerWithWrongChecksDoesNotStartAndNamesTheHostTheCheckAndTheFieldsWithoutAPassword() {
        try (FleetFixture repo = new FleetFixture(List.of("web1"))) {
            Map<String, String> config = new HashMap<>(repo.config());
            config.put("driftless.hosts.web1.checks.api.url", "https://web1/healthz");
            config.put("driftless.hosts.web1.checks.api.units", "nginx.service");
            config.put("driftless.deploy.checks.files.url", "ftp://ops:hunter2hunter2@files/ready");
            DriftlessProcess app = DriftlessProcess.launch(config, "bad-health-check");
            try {
                await().atMost(Duration.ofSeconds(120)).until(() -> !app.alive());
                String log = app.log();
                assertTrue(log.contains("driftless.hosts.web1.checks.api: set exactly one of command, url and units, not url and units"), log);
                assertTrue(log.contains("driftless.deploy.checks.files.url: 'ftp://***@files/ready' is not an http or https URL"), log);
                assertFalse(log.contains("hunter2"), log);
                assertFalse(log.contains("reconciliation failed"), "no host was reconciled before the start was refused:\n" + log);
            } finally {
                app.close();
            }
        }
    }
}
