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
 * The packaged jar stopped as a service manager stops it (SIGTERM) while it evaluates a commit.
 * A stop is not a broken commit: the commit must not be failed, nothing of the evaluation may
 * outlive the process, and the next start deploys the commit.
 */
class StoppedMidEvaluationIT {

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
                                ? first.descendants().stream().filter(StoppedMidEvaluationIT::isNix).toList() : List.of(),
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
