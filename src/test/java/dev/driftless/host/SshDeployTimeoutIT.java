package dev.driftless.host;

import static io.restassured.RestAssured.given;
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
 * A switch that outlives {@code driftless.deploy.timeout} on a real SSH host: the controller's
 * ssh is killed, the switch goes on on the host, and no second switch starts beside it. The host
 * ends on the truth: InSync once the switch ended and the checks passed.
 */
class SshDeployTimeoutIT {

    private static final String TOKEN = "timeout-token-" + java.util.UUID.randomUUID();

    @Test
    void aSwitchThatOutlivesTheTimeoutIsNeverOverlappedAndEndsOnTheTruth() {
        assumeTrue(NamespaceFleet.canRun(), "SSH tests need root and sshd to make network-namespace hosts; CI runs as root");
        try (FleetFixture repo = new FleetFixture(List.of("slow1")); NamespaceFleet hosts = new NamespaceFleet(List.of("slow1"))) {
            Map<String, String> config = hosts.controllerConfig(repo);
            config.put("driftless.hosts.slow1.health-check", "test -e /run/current-system");
            config.put("driftless.deploy.timeout", "2s");
            config.put("driftless.reconcile.interval", "2s");
            config.put("driftless.api.token", TOKEN);
            try (DriftlessProcess app = DriftlessProcess.start(config, "ssh-deploy-timeout")) {
                awaitState(app, repo.head(), "InSync");
                String slow = repo.commit("hosts/slow1.nix", "{ motd = \"slow1: slow switch\"; extraActivation = "
                        + "\"echo start $$ >> /run/switches; sleep 12; echo end $$ >> /run/switches\"; }\n", "slow1: a switch of 12 s");

                // Watch the host while the controller times out, retries and waits: never two switches at once
                // (each switch runs one `sleep 12`; the host namespaces share the machine's processes, and
                // nothing else here sleeps 12 s).
                List<String> states = new ArrayList<>();
                long until = System.nanoTime() + Duration.ofSeconds(90).toNanos();
                while (System.nanoTime() < until) {
                    int running = Integer.parseInt(hosts.ssh("slow1", "pgrep -fc '^sleep 12$' || true").strip());
                    assertTrue(running <= 1, "at most one switch runs on the host, saw " + running);
                    JsonPath host = app.api().get("/api/v1/hosts/slow1").then().extract().jsonPath();
                    states.add(host.getString("state") + ": " + host.getString("message"));
                    if ("InSync".equals(host.getString("state")) && slow.equals(host.getString("desired.commit"))) {
                        break;
                    }
                    Exposition.letPass(Duration.ofMillis(300));
                }
                awaitState(app, slow, "InSync");
                List<String> switches = List.of(hosts.ssh("slow1", "cat /run/switches").split("\n"));
                assertTrue(states.stream().anyMatch(s -> s.contains("outlived driftless.deploy.timeout")),
                        "the timeout happened and was said: " + states);
                assertEquals(2, switches.size(), "one switch started and ended, none beside it or after it: " + switches);
                assertTrue(switches.get(0).startsWith("start ") && switches.get(1).startsWith("end "), switches.toString());
                assertEquals(2, hosts.generation("slow1"));
                app.api().get("/api/v1/hosts/slow1").then()
                        .body("lastDeployment.result", org.hamcrest.Matchers.equalTo("succeeded"))
                        .body("lastApplied.path", org.hamcrest.Matchers.equalTo(hosts.currentSystem("slow1")));
            }
        }
    }

    private static void awaitState(DriftlessProcess app, String commit, String state) {
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(300)).untilAsserted(() -> {
            JsonPath host = app.api().get("/api/v1/hosts/slow1").then().extract().jsonPath();
            assertEquals(commit, host.getString("desired.commit"));
            assertEquals(state, host.getString("state"), host.getString("message"));
        });
    }
}
