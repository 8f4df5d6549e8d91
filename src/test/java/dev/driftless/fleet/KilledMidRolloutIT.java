package dev.driftless.fleet;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.driftless.testing.DriftlessProcess;
import dev.driftless.testing.FleetFixture;
import io.restassured.path.json.JsonPath;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The packaged jar killed with SIGKILL in the middle of a rollout, then started again. */
class KilledMidRolloutIT {

    private static final Duration WAIT = Duration.ofSeconds(90);

    @Test
    void processKilledWhileAHostActivatesResumesAndTheFleetConverges() {
        try (FleetFixture fleet = new FleetFixture()) {
            String sha;
            try (DriftlessProcess first = DriftlessProcess.start(fleet.config(), "killed-first")) {
                awaitInSync(first, fleet.head());
                fleet.commit("hosts/web2.nix", "{ motd = \"web2: next\"; }\n", "web2: next");
                sha = fleet.commit("hosts/web1.nix", "{ motd = \"web1: slow switch\"; extraActivation = \"sleep 5\"; }\n", "web1: slow switch");
                await().atMost(WAIT).pollInterval(Duration.ofMillis(50)).untilAsserted(() ->
                        first.api().get("/api/v1/hosts/web1").then().body("state", org.hamcrest.Matchers.equalTo("Deploying")));
                first.kill();
            }

            try (DriftlessProcess second = DriftlessProcess.start(fleet.config(), "killed-second")) {
                awaitInSync(second, sha);
                JsonPath web1 = second.api().get("/api/v1/hosts/web1").then().extract().jsonPath();
                assertEquals(web1.getString("desired.path"), fleet.currentSystem("web1"), "web1 runs the committed generation");
                List<String> deployed = second.api().get("/api/v1/hosts/web1/history").then().extract().jsonPath()
                        .getList("findAll { it.kind == 'deployed' && it.commit == '" + sha + "' }.commit");
                assertTrue(deployed.size() <= 1, "web1 was deployed at most once for the commit: " + deployed);
                second.api().get("/api/v1/commits").then()
                        .body("find { it.sha == '" + sha + "' }.status", org.hamcrest.Matchers.equalTo("ready"));
            }
        }
    }

    private static void awaitInSync(DriftlessProcess app, String sha) {
        await().atMost(WAIT).untilAsserted(() -> {
            JsonPath hosts = app.api().get("/api/v1/hosts").then().statusCode(200).extract().jsonPath();
            for (String host : FleetFixture.HOSTS) {
                assertEquals("InSync", hosts.getString("find { it.name == '" + host + "' }.state"), host + ":\n" + app.log());
                assertEquals(sha, hosts.getString("find { it.name == '" + host + "' }.desired.commit"), host);
            }
        });
    }
}
