package dev.driftless.kafka;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.driftless.testing.DriftlessProcess;
import dev.driftless.testing.Exposition;
import dev.driftless.testing.FleetFixture;
import dev.driftless.testing.KafkaFleet;
import io.restassured.path.json.JsonPath;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Distributed mode on a real broker: what a controller knows of a host beyond the host itself (a
 * hold from POST /rollback, a quarantined generation) travels on driftless.state.hosts, so the
 * controller that takes the hosts over after the first is killed neither redeploys the held host
 * nor retries the failed generation, and opens no out-of-band incident.
 */
class HandOverTruthIT {

    private static final List<String> HOSTS = List.of("held1", "quar1");
    private static final String TOKEN = "hand-over-token-" + java.util.UUID.randomUUID();
    private static final Duration WAIT = Duration.ofSeconds(120);

    @Test
    void aHoldAndAQuarantineSurviveTheHandOverToAnotherController() throws Exception {
        try (KafkaFleet kafka = KafkaFleet.start("handover", HOSTS);
                DriftlessProcess worker = DriftlessProcess.start(kafka.worker("worker"), "handover-worker")) {
            FleetFixture fleet = kafka.fleet();
            DriftlessProcess a = DriftlessProcess.start(controller(kafka, "a"), "handover-controller-a");
            DriftlessProcess b = null;
            try {
                awaitState(a, "held1", "InSync", fleet.head());
                awaitState(a, "quar1", "InSync", fleet.head());
                String b1 = fleet.commit(Map.of("hosts/held1.nix", "{ motd = \"held1 B\"; }\n",
                        "hosts/quar1.nix", "{ motd = \"quar1 B unhealthy\"; }\n"), "B: held1 good, quar1 unhealthy");
                awaitState(a, "held1", "InSync", b1);
                awaitState(a, "quar1", "Degraded", b1);
                given().baseUri(a.url()).header("Authorization", "Bearer " + TOKEN).post("/api/v1/hosts/held1/rollback").then().statusCode(202);
                await().atMost(WAIT).untilAsserted(() -> a.api().get("/api/v1/hosts/held1").then()
                        .body("state", equalTo("OutOfSync")).body("hold.pending", equalTo(false)));
                Map<String, Object> before = snapshot(fleet);

                b = DriftlessProcess.start(controller(kafka, "b"), "handover-controller-b");
                a.kill(); // SIGKILL: b takes every host and the lead after the group's session timeout
                DriftlessProcess survivor = b;
                await().atMost(WAIT).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
                    JsonPath hosts = hosts(survivor);
                    assertEquals(List.of(true, true), hosts.getList("owned", Boolean.class), "b reconciles both hosts");
                });
                Exposition.letPass(Duration.ofSeconds(10)); // five resyncs on b
                assertEquals(before, snapshot(fleet), "neither host was touched after the hand-over:\n" + survivor.log());
                JsonPath hosts = hosts(survivor);
                assertEquals("OutOfSync", hosts.getString("find { it.name == 'held1' }.state"), hosts.prettify());
                assertEquals("Degraded", hosts.getString("find { it.name == 'quar1' }.state"), hosts.prettify());
                survivor.api().get("/api/v1/hosts/quar1").then().body("quarantine.path", notNullValue());
                survivor.api().get("/api/v1/incidents").then()
                        .body("findAll { it.cause == 'out-of-band' }.size()", equalTo(0));
                String metrics = given().baseUri(survivor.url()).get("/q/metrics").then().extract().asString();
                assertEquals(0.0, Exposition.total(metrics, "driftless_deployments_total{"), "b deployed nothing");
            } finally {
                a.close();
                if (b != null) {
                    b.close();
                }
            }
        }
    }

    private static Map<String, String> controller(KafkaFleet kafka, String name) {
        Map<String, String> config = new HashMap<>(kafka.controller("controller-" + name));
        config.put("driftless.api.token", TOKEN);
        for (String host : HOSTS) {
            config.put("driftless.hosts." + host + ".health-check", "! grep -q unhealthy \"$DRIFTLESS_HOST_ROOT/run/current-system/etc/motd\"");
        }
        return config;
    }

    private static Map<String, Object> snapshot(FleetFixture fleet) {
        Map<String, Object> out = new HashMap<>();
        for (String host : HOSTS) {
            out.put(host, List.of(String.valueOf(fleet.currentSystem(host)), fleet.generation(host), fleet.generations(host)));
        }
        return out;
    }

    private static void awaitState(DriftlessProcess app, String host, String state, String commit) {
        await().atMost(WAIT).pollInterval(Duration.ofMillis(300)).untilAsserted(() -> {
            JsonPath h = app.api().get("/api/v1/hosts/" + host).then().extract().jsonPath();
            assertEquals(commit, h.getString("desired.commit"), host);
            assertEquals(state, h.getString("state"), host + ": " + h.getString("message"));
        });
    }

    private static JsonPath hosts(DriftlessProcess app) {
        return app.api().get("/api/v1/hosts").then().statusCode(200).extract().jsonPath();
    }
}
