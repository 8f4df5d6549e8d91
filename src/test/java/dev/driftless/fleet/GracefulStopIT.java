package dev.driftless.fleet;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.driftless.testing.DriftlessProcess;
import dev.driftless.testing.FleetFixture;
import io.restassured.path.json.JsonPath;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The packaged jar stopped as a service manager stops it (SIGTERM) in the middle of its work. A
 * stop is not a failure: an evaluation cut short fails no commit and leaves no nix running; a
 * switch in progress ends and is recorded, within {@code driftless.deploy.stop-grace}; one that
 * outlives it is stopped and finished by the next start.
 */
class GracefulStopIT {

    /** About 20 million additions: seconds of one core, long enough to be stopped in, without much memory. */
    private static final String SLOW_WEB1 = "{ motd = \"web1 \" + toString (builtins.foldl' (a: j: a + builtins.foldl' (b: i: b + i) 0"
            + " (builtins.genList (i: i * j) 5000)) 0 (builtins.genList (j: j) 4000)); }\n";

    @Test
    void aStopDuringAnEvaluationKillsItsNixFailsNothingAndTheNextStartDeploysTheCommit() {
        try (FleetFixture fleet = new FleetFixture()) {
            DriftlessProcess first = DriftlessProcess.start(fleet.config(), "stopped-mid-evaluation-first");
            String slow;
            List<ProcessHandle> evaluating;
            try {
                awaitAllInSync(first, fleet.head(), Duration.ofSeconds(60));
                slow = fleet.commit("hosts/web1.nix", SLOW_WEB1, "web1: a configuration slow to evaluate");
                String observed = "commit " + slow.substring(0, 12) + " on main observed";
                evaluating = await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).until(
                        () -> first.log().contains(observed)
                                ? first.descendants().stream().filter(GracefulStopIT::isNix).toList() : List.of(),
                        nix -> !nix.isEmpty());
            } finally {
                first.close(); // SIGTERM, and waits for the process to exit
            }
            String log = first.log();
            assertTrue(log.contains("commit " + slow.substring(0, 12) + ": evaluation stopped, as Driftless is stopping"),
                    "the evaluation was cut short by the stop:\n" + log);
            assertFalse(log.contains("does not evaluate"), "a stop is not reported as a broken commit:\n" + log);
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertEquals(List.of(),
                    evaluating.stream().filter(ProcessHandle::isAlive).map(p -> p.pid() + " " + p.info().commandLine().orElse("")).toList(),
                    "no nix of the stopped process still runs"));

            try (DriftlessProcess second = DriftlessProcess.start(fleet.config(), "stopped-mid-evaluation-second")) {
                awaitAllInSync(second, slow, Duration.ofSeconds(120));
                second.api().get("/api/v1/hosts/web1").then().body("lastDeployment.result", org.hamcrest.Matchers.equalTo("succeeded"));
            }
        }
    }

    @Test
    void aStopDuringASwitchLetsTheSwitchEndAndRecordsItSoTheNextStartDeploysNothing() throws Exception {
        try (FleetFixture fleet = new FleetFixture()) {
            StoppedMidSwitch stopped = stopWhileWeb1Switches(fleet, fleet.config(), "graceful-stop-switch-first",
                    "{ motd = \"web1 switched slowly\"; extraActivation = \"sleep 4\"; }\n");
            String sha = stopped.sha();
            String log = stopped.log();
            assertTrue(log.contains("stopping: waiting up to 20 s (driftless.deploy.stop-grace) for the runs of [web1] to end"), log);
            assertTrue(log.contains("host web1 commit " + sha.substring(0, 12) + ": in sync on generation"),
                    "the switch ended and was recorded:\n" + log);
            assertEquals("web1 switched slowly", motd(fleet, "web1"));

            try (DriftlessProcess second = DriftlessProcess.start(fleet.config(), "graceful-stop-switch-second")) {
                awaitAllInSync(second, sha, Duration.ofSeconds(60));
                String metrics = io.restassured.RestAssured.given().baseUri(second.url()).get("/q/metrics").then().extract().asString();
                assertEquals(0.0, dev.driftless.testing.Exposition.total(metrics, "driftless_deployments_total{"),
                        "nothing is deployed again after the restart:\n" + second.log());
            }
        }
    }

    @Test
    void aSwitchThatOutlivesTheStopGraceIsStoppedSaysSoAndTheNextStartFinishesTheDeployment() throws Exception {
        try (FleetFixture fleet = new FleetFixture()) {
            java.util.Map<String, String> config = new java.util.LinkedHashMap<>(fleet.config());
            config.put("driftless.deploy.stop-grace", "1s");
            StoppedMidSwitch stopped = stopWhileWeb1Switches(fleet, config, "graceful-stop-grace-first",
                    "{ motd = \"web1 switched very slowly\"; extraActivation = \"sleep 10\"; }\n");
            String sha = stopped.sha();
            String log = stopped.log();
            assertTrue(log.contains("stopping: the runs of [web1] outlived driftless.deploy.stop-grace (1 s) and are stopped"), log);
            assertTrue(log.contains("was stopped: Driftless is stopping"), "the host's message says why its step ended:\n" + log);
            assertFalse(log.contains("outlived driftless.deploy.timeout"), "a stop is not a timeout:\n" + log);

            config.put("driftless.deploy.stop-grace", "60s"); // the test's own end waits for the slow switch
            try (DriftlessProcess second = DriftlessProcess.start(config, "graceful-stop-grace-second")) {
                awaitAllInSync(second, sha, Duration.ofSeconds(120));
                assertEquals("web1 switched very slowly", motd(fleet, "web1"));
            }
        }
    }

    record StoppedMidSwitch(String sha, String log) {}

    /** Starts Driftless, lets the fleet converge, commits {@code web1}'s new file, and stops Driftless (SIGTERM) once web1 deploys it. */
    private static StoppedMidSwitch stopWhileWeb1Switches(FleetFixture fleet, java.util.Map<String, String> config, String name,
            String web1) {
        DriftlessProcess app = DriftlessProcess.start(config, name);
        String sha;
        try {
            awaitAllInSync(app, fleet.head(), Duration.ofSeconds(60));
            sha = fleet.commit("hosts/web1.nix", web1, "web1: a slow switch");
            String deploying = "host web1 commit " + sha.substring(0, 12) + ": deploying";
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).until(() -> app.log().contains(deploying));
        } finally {
            app.close(); // SIGTERM, and waits for the process to exit
        }
        return new StoppedMidSwitch(sha, app.log());
    }

    private static String motd(FleetFixture fleet, String host) throws java.io.IOException {
        return java.nio.file.Files.readString(fleet.hostRoot(host).resolve("run/current-system/etc/motd")).strip();
    }

    private static boolean isNix(ProcessHandle process) {
        return process.info().command().map(c -> c.endsWith("/nix") || c.endsWith("/nix-instantiate")).orElse(false);
    }

    private static void awaitAllInSync(DriftlessProcess app, String sha, Duration within) {
        await().atMost(within).untilAsserted(() -> {
            JsonPath hosts = app.api().get("/api/v1/hosts").then().statusCode(200).extract().jsonPath();
            for (String host : FleetFixture.HOSTS) {
                assertEquals("InSync", hosts.getString("find { it.name == '" + host + "' }.state"), host + ":\n" + app.log());
                assertEquals(sha, hosts.getString("find { it.name == '" + host + "' }.desired.commit"), host);
            }
        });
    }
}
