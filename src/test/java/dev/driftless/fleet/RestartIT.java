package dev.driftless.fleet;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.driftless.testing.DriftlessProcess;
import dev.driftless.testing.Exposition;
import dev.driftless.testing.FleetFixture;
import io.restassured.path.json.JsonPath;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The packaged jar, stopped and started again on the same data directory. */
class RestartIT {

    @Test
    void restartDoesNotRedeployOrReevaluateHostsThatAreInSync() {
        try (FleetFixture fleet = new FleetFixture()) {
            String head = fleet.head();
            Map<String, Integer> generations = new HashMap<>();
            try (DriftlessProcess first = DriftlessProcess.start(fleet.config(), "restart-first")) {
                awaitAllInSync(first, head);
                FleetFixture.HOSTS.forEach(h -> generations.put(h, fleet.generation(h)));
            }

            try (DriftlessProcess second = DriftlessProcess.start(fleet.config(), "restart-second")) {
                Instant restarted = Instant.now();
                // Two resync intervals (2s each) after start: every host observed since the restart.
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                    JsonPath hosts = hosts(second);
                    for (String host : FleetFixture.HOSTS) {
                        Instant observed = Instant.parse(hosts.getString("find { it.name == '" + host + "' }.observedAt"));
                        assertFalse(observed.isBefore(restarted.plusSeconds(2)), host + " observed after restart");
                    }
                });
                awaitAllInSync(second, head);
                FleetFixture.HOSTS.forEach(h -> assertEquals(generations.get(h), fleet.generation(h), h + " keeps its generation"));
                String metrics = given().baseUri(second.url()).get("/q/metrics").then().extract().asString();
                assertEquals(0.0, Exposition.total(metrics, "driftless_deployments_total{"), "no deployment after restart:\n" + second.log());
                assertEquals(0.0, Exposition.total(metrics, "driftless_evaluations_total{"), "no evaluation after restart:\n" + second.log());
                second.api().get("/api/v1/hosts/web1").then()
                        .body("lastDeployment.result", org.hamcrest.Matchers.equalTo("succeeded"));
            }
        }
    }

    @Test
    void incidentOpenAtShutdownIsStillOpenAfterRestartAndClosesWhenTheHostRecovers() throws Exception {
        try (FleetFixture fleet = new FleetFixture()) {
            long incident;
            try (DriftlessProcess first = DriftlessProcess.start(fleet.config(), "incident-first")) {
                awaitAllInSync(first, fleet.head());
                // The host disappears at once (a rename is atomic), so it is unreachable.
                dev.driftless.testing.Shell.sh(fleet.hostRoot("db1").getParent(), "mv db1 db1.gone");
                await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> first.api().get("/api/v1/incidents?host=db1")
                        .then().body("[0].cause", org.hamcrest.Matchers.equalTo("unreachable"))
                        .body("[0].closedAt", org.hamcrest.Matchers.nullValue()));
                incident = first.api().get("/api/v1/incidents?host=db1").then().extract().jsonPath().getLong("[0].id");
            }
            java.nio.file.Files.createDirectories(fleet.hostRoot("db1"));

            try (DriftlessProcess second = DriftlessProcess.start(fleet.config(), "incident-second")) {
                awaitAllInSync(second, fleet.head());
                await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> second.api().get("/api/v1/incidents?host=db1")
                        .then().body("[0].id", org.hamcrest.Matchers.equalTo((int) incident))
                        .body("[0].closedAt", org.hamcrest.Matchers.notNullValue()));
                String metrics = given().baseUri(second.url()).get("/q/metrics").then().extract().asString();
                assertEquals(1.0, Exposition.total(metrics, "driftless_recovery_seconds_count"), "the recovery counts after the restart");
            }
        }
    }

    private static void awaitAllInSync(DriftlessProcess app, String sha) {
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            JsonPath hosts = hosts(app);
            for (String host : FleetFixture.HOSTS) {
                assertEquals("InSync", hosts.getString("find { it.name == '" + host + "' }.state"), host + ":\n" + app.log());
                assertEquals(sha, hosts.getString("find { it.name == '" + host + "' }.desired.commit"));
            }
        });
    }


    private static JsonPath hosts(DriftlessProcess app) {
        return app.api().get("/api/v1/hosts").then().statusCode(200).extract().jsonPath();
    }
}
