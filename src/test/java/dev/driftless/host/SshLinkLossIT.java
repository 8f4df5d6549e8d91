package dev.driftless.host;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.driftless.testing.DriftlessProcess;
import dev.driftless.testing.FleetFixture;
import dev.driftless.testing.NamespaceFleet;
import dev.driftless.testing.SshProcesses;
import io.restassured.path.json.JsonPath;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A real SSH host that drops off the network while the controller's shared connection to it is
 * open: its end of the cable goes down, so packets vanish and nothing tells the controller. The
 * host must turn Unreachable on its own (keepalives give the dead connection up; the command
 * waiting on it fails and the master is dropped), and be reached again over a new connection
 * once it is back.
 */
class SshLinkLossIT {

    /**
     * A generous bound for keepalives of 2 s x 2 plus one connect attempt of 3 s (about 8 s here),
     * yet short of the 20 s that the former 5 s x 3 took, which this test then fails on.
     */
    private static final Duration NOTICED = Duration.ofSeconds(15);

    @Test
    void hostCutOffWhileItsConnectionIsOpenTurnsUnreachableAndIsReachedOverANewConnectionOnceBack() throws Exception {
        assumeTrue(NamespaceFleet.canRun(), "SSH tests need root and sshd to make network-namespace hosts; CI runs as root");
        try (FleetFixture repo = new FleetFixture(List.of("edge1")); NamespaceFleet hosts = new NamespaceFleet(List.of("edge1"))) {
            Path controlBase = Files.createTempDirectory("dlc");
            try {
                Map<String, String> config = hosts.controllerConfig(repo);
                config.put("driftless.hosts.edge1.health-check", "test -e /run/current-system");
                config.put("driftless.reconcile.interval", "2s");
                config.put("driftless.ssh.connect-timeout", "3s");
                config.put("driftless.ssh.control-dir", controlBase.toString());
                config.put("driftless.api.token", "link-loss-token-0123456789abcdefghijk");
                try (DriftlessProcess app = DriftlessProcess.start(config, "ssh-link-loss")) {
                    await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(300)).untilAsserted(() ->
                            assertEquals("InSync", host(app).getString("state"), host(app).getString("message")));
                    List<Path> dirs = SshProcesses.controlDirs(controlBase);
                    assertEquals(1, dirs.size(), dirs.toString());
                    Path dir = dirs.get(0);
                    long before = await().atMost(Duration.ofSeconds(60)).until(() -> SshProcesses.master(dir), m -> m.isPresent()).getAsLong();

                    hosts.cutOff("edge1");
                    long cut = System.nanoTime();
                    await().atMost(NOTICED).pollInterval(Duration.ofMillis(100)).untilAsserted(() ->
                            assertEquals("Unreachable", host(app).getString("state")));
                    System.out.printf("edge1 was Unreachable %.1f s after it was cut off with its connection open%n", (System.nanoTime() - cut) / 1e9);
                    assertTrue(host(app).getString("message").contains(hosts.ip("edge1")), host(app).getString("message"));
                    await().atMost(NOTICED).until(() -> !ProcessHandle.of(before).map(ProcessHandle::isAlive).orElse(false));

                    hosts.plugIn("edge1");
                    long back = System.nanoTime();
                    String head = repo.commit("hosts/edge1.nix", "{ motd = \"edge1: back\"; }\n", "edge1: back");
                    await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(300)).untilAsserted(() -> {
                        JsonPath host = host(app);
                        assertEquals(head, host.getString("desired.commit"));
                        assertEquals("InSync", host.getString("state"), host.getString("message"));
                    });
                    System.out.printf("edge1 was InSync on the new commit %.1f s after it was plugged back in%n", (System.nanoTime() - back) / 1e9);
                    assertEquals(host(app).getString("desired.path"), hosts.currentSystem("edge1"), "edge1 runs the new commit");
                    long after = await().atMost(Duration.ofSeconds(60)).until(() -> SshProcesses.master(dir), m -> m.isPresent()).getAsLong();
                    assertNotEquals(before, after, "a new connection reaches the host");
                }
            } finally {
                SshProcesses.endAll(controlBase);
            }
        }
    }

    private static JsonPath host(DriftlessProcess app) {
        return app.api().get("/api/v1/hosts/edge1").then().extract().jsonPath();
    }
}
