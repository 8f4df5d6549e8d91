package dev.driftless.host;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.driftless.testing.DriftlessProcess;
import dev.driftless.testing.Exposition;
import dev.driftless.testing.FleetFixture;
import dev.driftless.testing.NamespaceFleet;
import io.restassured.path.json.JsonPath;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Driftless stopped (SIGTERM) while a real SSH host switches, past its stop grace, and started
 * again while the switch still runs there. The switch is not cut short by the controller's end,
 * the next start never runs a second one beside it, and the host is InSync only once the switch
 * ended and its checks passed.
 */
class SshStopMidSwitchIT {

    @Test
    void aStopMidSwitchLeavesTheSwitchRunningAndTheNextStartWaitsForItAndEndsOnTheTruth() {
        assumeTrue(NamespaceFleet.canRun(), "SSH tests need root and sshd to make network-namespace hosts; CI runs as root");
        try (FleetFixture repo = new FleetFixture(List.of("slow1")); NamespaceFleet hosts = new NamespaceFleet(List.of("slow1"))) {
            Map<String, String> config = hosts.controllerConfig(repo);
            config.put("driftless.hosts.slow1.health-check", "test -e /run/current-system");
            config.put("driftless.deploy.stop-grace", "1s");
            config.put("driftless.reconcile.interval", "2s");
            String slow;
            DriftlessProcess first = DriftlessProcess.start(config, "ssh-stop-mid-switch-first");
            try {
                awaitState(first, repo.head(), "InSync");
                slow = repo.commit("hosts/slow1.nix", "{ motd = \"slow1: slow switch\"; extraActivation = "
                        + "\"echo start $$ >> /run/switches; sleep 9; echo end $$ >> /run/switches\"; }\n", "slow1: a switch of 9 s");
                await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(100))
                        .until(() -> hosts.ssh("slow1", "cat /run/switches 2>/dev/null || true").contains("start"));
            } finally {
                first.close(); // SIGTERM while the host's switch sleeps
            }
            String firstLog = first.log();
            assertEquals(1, sleeping(hosts), "the switch goes on on the host after the controller stopped:\n" + firstLog);
            assertTrue(firstLog.contains("stopping: the runs of [slow1] outlived driftless.deploy.stop-grace (1 s) and are stopped"), firstLog);
            assertTrue(firstLog.contains("our ssh was stopped, as Driftless is stopping; the step may still run on the host"),
                    "the host's message says why its step ended, and that the host may still switch:\n" + firstLog);
            assertTrue(!firstLog.contains("Exception in thread"), "the stop ends quietly:\n" + firstLog);

            try (DriftlessProcess second = DriftlessProcess.start(config, "ssh-stop-mid-switch-second")) {
                List<String> states = new ArrayList<>();
                long until = System.nanoTime() + Duration.ofSeconds(90).toNanos();
                while (System.nanoTime() < until) {
                    int running = sleeping(hosts);
                    assertTrue(running <= 1, "at most one switch runs on the host, saw " + running);
                    JsonPath host = second.api().get("/api/v1/hosts/slow1").then().extract().jsonPath();
                    String state = host.getString("state");
                    states.add(state + ": " + host.getString("message"));
                    if ("InSync".equals(state) && slow.equals(host.getString("desired.commit"))) {
                        assertTrue(hosts.ssh("slow1", "cat /run/switches").contains("end"),
                                "InSync only once the switch ended: " + states);
                        break;
                    }
                    Exposition.letPass(Duration.ofMillis(200));
                }
                awaitState(second, slow, "InSync");
                List<String> switches = List.of(hosts.ssh("slow1", "cat /run/switches").split("\n"));
                assertEquals(2, switches.size(), "one switch started and ended, none beside it or after it: " + switches
                        + "\n" + states + "\n" + second.log());
                assertTrue(switches.get(0).startsWith("start ") && switches.get(1).startsWith("end "), switches.toString());
                assertEquals(2, hosts.generation("slow1"));
                assertEquals("slow1: slow switch", hosts.ssh("slow1", "cat /run/current-system/etc/motd").strip());
                second.api().get("/api/v1/hosts/slow1").then()
                        .body("lastApplied.path", org.hamcrest.Matchers.equalTo(hosts.currentSystem("slow1")));
            }
        }
    }

    /** Switches running on the host: each sleeps 9 s, and nothing else here does. */
    private static int sleeping(NamespaceFleet hosts) {
        return Integer.parseInt(hosts.ssh("slow1", "pgrep -fc '^sleep 9$' || true").strip());
    }

    private static void awaitState(DriftlessProcess app, String commit, String state) {
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(300)).untilAsserted(() -> {
            JsonPath host = app.api().get("/api/v1/hosts/slow1").then().extract().jsonPath();
            assertEquals(commit, host.getString("desired.commit"));
            assertEquals(state, host.getString("state"), host.getString("message"));
        });
    }
}
