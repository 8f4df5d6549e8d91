package dev.driftless.fleet;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.driftless.testing.DriftlessProcess;
import dev.driftless.testing.Exposition;
import dev.driftless.testing.FleetFixture;
import io.restassured.path.json.JsonPath;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import org.junit.jupiter.api.Test;

/**
 * Deployments that go wrong, on real Nix and real directory hosts, told truthfully by the
 * packaged jar, and remembered across a restart:
 * <ul>
 * <li>web1: A runs; B fails its health check and web1 returns to A; C fails too and web1 returns
 * to A again, never to B; then nothing changes for a minute of resyncs.</li>
 * <li>fresh1: its very first generation fails its check: Degraded, never InSync, its incident open
 * until a good commit converges it.</li>
 * <li>gone1: the generation to return to is deleted during the switch: Degraded, rollback_failed,
 * and nothing loops.</li>
 * <li>held1: held by POST /rollback; after a restart, neither it nor web1's quarantined C is
 * redeployed, and no out-of-band incident opens.</li>
 * </ul>
 */
class FailedDeploymentIT {

    private static final List<String> HOSTS = List.of("web1", "fresh1", "gone1", "held1");
    private static final String TOKEN = "failed-deployments-token-" + java.util.UUID.randomUUID();
    private static final Duration CONVERGE = Duration.ofSeconds(90);
    private static final String HEALTHY = "! grep -q unhealthy \"$DRIFTLESS_HOST_ROOT/run/current-system/etc/motd\"";

    @Test
    void failedGenerationsAreRolledBackToExactlyWhatRanBeforeQuarantinedAndRememberedAcrossARestart() {
        try (FleetFixture fleet = new FleetFixture(HOSTS)) {
            Map<String, String> config = new HashMap<>(fleet.config());
            config.put("driftless.reconcile.interval", "1s");
            config.put("driftless.api.token", TOKEN);
            for (String host : List.of("web1", "gone1", "held1")) {
                config.put("driftless.hosts." + host + ".health-check", HEALTHY);
            }
            config.put("driftless.hosts.fresh1.health-check", "grep -q ready \"$DRIFTLESS_HOST_ROOT/run/current-system/etc/motd\"");
            String a, c;
            try (DriftlessProcess app = DriftlessProcess.start(config, "failed-deployments")) {
                String first = fleet.head();
                for (String host : List.of("web1", "gone1", "held1")) {
                    awaitState(app, host, "InSync", first);
                }
                a = fleet.currentSystem("web1");

                // fresh1's first generation fails its check; there is nothing to return to.
                awaitState(app, "fresh1", "Degraded", first);
                host(app, "fresh1").then().body("inSync", equalTo(false)).body("lastDeployment.result", equalTo("failed"))
                        .body("lastDeployment.message", containsString("no generation to return to"))
                        .body("quarantine.path", equalTo(fleet.currentSystem("fresh1")));
                openIncident(app, "fresh1", "failed-deploy");

                String b = fleet.commit(Map.of(
                        "hosts/web1.nix", "{ motd = \"web1 B unhealthy\"; }\n",
                        "hosts/gone1.nix", "{ motd = \"gone1 B\"; extraActivation = \"rm -f $root/nix/var/nix/profiles/system-1-link; exit 1\"; }\n",
                        "hosts/held1.nix", "{ motd = \"held1 B\"; }\n"), "B: web1 unhealthy, gone1 deletes its way back, held1 good");
                awaitState(app, "held1", "InSync", b);
                awaitState(app, "web1", "Degraded", b);
                assertEquals(a, fleet.currentSystem("web1"), "web1 runs A again after B failed");
                assertEquals(1, fleet.generation("web1"), "web1's profile is A's generation again");
                awaitState(app, "gone1", "Degraded", b);
                host(app, "gone1").then().body("lastDeployment.result", equalTo("rollback_failed"))
                        .body("message", containsString("is gone from the system profile"))
                        .body("message", containsString("a person must look"));

                // held1: a rollback on request, back to A, held there.
                String heldOn = fleet.generations("held1").get(1);
                given().baseUri(app.url()).header("Authorization", "Bearer " + TOKEN).post("/api/v1/hosts/held1/rollback").then().statusCode(202);
                await().atMost(CONVERGE).untilAsserted(() -> host(app, "held1").then().body("hold.on.path", equalTo(heldOn))
                        .body("state", equalTo("OutOfSync")));
                assertEquals(heldOn, fleet.currentSystem("held1"));

                c = fleet.commit("hosts/web1.nix", "{ motd = \"web1 C unhealthy\"; }\n", "C: web1 still unhealthy");
                awaitState(app, "web1", "Degraded", c);
                await().atMost(CONVERGE).untilAsserted(() -> host(app, "web1").then().body("lastDeployment.commit", equalTo(c))
                        .body("lastDeployment.result", equalTo("rolled_back")));
                assertEquals(a, fleet.currentSystem("web1"), "C failed: web1 returns to A, not to B that failed before");
                assertEquals(1, fleet.generation("web1"), "by A's number, not by 'the previous number'");
                openIncident(app, "web1", "failed-deploy");

                Map<String, Object> before = snapshot(fleet);
                // Twenty resyncs, one a second: nothing moves, and no host is ever called InSync wrongly.
                long until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
                while (System.nanoTime() < until) {
                    JsonPath hosts = hosts(app);
                    assertEquals("Degraded", state(hosts, "web1"));
                    assertEquals("Degraded", state(hosts, "fresh1"));
                    assertEquals("Degraded", state(hosts, "gone1"));
                    assertEquals("OutOfSync", state(hosts, "held1"));
                    Exposition.letPass(Duration.ofMillis(1000));
                }
                assertEquals(before, snapshot(fleet), "nothing changed on any host during the resyncs");
                assertEquals(0.0, Exposition.total(metrics(app), "driftless_incidents_total{cause=\"out-of-band\""), "no out-of-band incident");

                // A good commit converges fresh1 and closes its incident.
                String good = fleet.commit("hosts/fresh1.nix", "{ motd = \"fresh1 ready\"; }\n", "fresh1: ready");
                awaitState(app, "fresh1", "InSync", good);
                await().atMost(CONVERGE).untilAsserted(() -> app.api().get("/api/v1/incidents?host=fresh1").then()
                        .body("[0].cause", equalTo("failed-deploy")).body("[0].closedAt", notNullValue()));
            }

            Map<String, Object> before = snapshot(fleet);
            try (DriftlessProcess again = DriftlessProcess.start(config, "failed-deployments-restarted")) {
                await().atMost(CONVERGE).untilAsserted(() -> {
                    assertEquals("Degraded", state(hosts(again), "web1"));
                    assertEquals("OutOfSync", state(hosts(again), "held1"));
                });
                Exposition.letPass(Duration.ofSeconds(8)); // eight resyncs
                assertEquals(before, snapshot(fleet), "after the restart, neither the held nor the quarantined host is redeployed");
                host(again, "web1").then().body("state", equalTo("Degraded")).body("quarantine.path", notNullValue())
                        .body("lastApplied.path", equalTo(a));
                host(again, "held1").then().body("state", equalTo("OutOfSync")).body("hold.pending", equalTo(false));
                String metrics = metrics(again);
                assertEquals(0.0, Exposition.total(metrics, "driftless_deployments_total{"), "no deployment after the restart:\n" + again.log());
                assertEquals(0.0, Exposition.total(metrics, "driftless_incidents_total{cause=\"out-of-band\""), "no out-of-band incident");
                again.api().get("/api/v1/incidents?host=held1").then().body("findAll { it.cause == 'out-of-band' }.size()", equalTo(0));
                openIncident(again, "web1", "failed-deploy");
            }
        }
    }

    /** What each host runs, its profile and every generation it has, read from the hosts themselves. */
    private static Map<String, Object> snapshot(FleetFixture fleet) {
        Map<String, Object> out = new HashMap<>();
        for (String host : HOSTS) {
            SortedMap<Integer, String> generations = fleet.generations(host);
            out.put(host, List.of(String.valueOf(fleet.currentSystem(host)), fleet.generation(host), generations));
        }
        return out;
    }

    private static void openIncident(DriftlessProcess app, String host, String cause) {
        app.api().get("/api/v1/incidents?host=" + host).then()
                .body("[0].cause", equalTo(cause)).body("[0].closedAt", nullValue());
    }

    private static void awaitState(DriftlessProcess app, String host, String state, String commit) {
        await().atMost(CONVERGE).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            JsonPath hosts = hosts(app);
            String at = "find { it.name == '" + host + "' }";
            assertEquals(commit, hosts.getString(at + ".desired.commit"), host + " desired commit");
            assertEquals(state, hosts.getString(at + ".state"), host + ": " + hosts.getString(at + ".message"));
        });
    }

    private static String state(JsonPath hosts, String host) {
        return hosts.getString("find { it.name == '" + host + "' }.state");
    }

    private static io.restassured.response.Response host(DriftlessProcess app, String host) {
        return app.api().get("/api/v1/hosts/" + host);
    }

    private static JsonPath hosts(DriftlessProcess app) {
        return app.api().get("/api/v1/hosts").then().statusCode(200).extract().jsonPath();
    }

    private static String metrics(DriftlessProcess app) {
        return given().baseUri(app.url()).get("/q/metrics").then().extract().asString();
    }
}
