package dev.driftless.fleet;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.driftless.testing.FleetFixture;
import dev.driftless.testing.EventStream;
import dev.driftless.testing.FleetResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The core loop on a real fleet: real Git, real Nix, three hosts as directories with their own
 * stores. The tests share one application and one repository, so each states what it expects
 * relative to what the one before left.
 */
@QuarkusTest
@QuarkusTestResource(value = FleetResource.class, restrictToAnnotatedClass = true)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StandaloneConvergenceTest {

    private static final Duration CONVERGE = Duration.ofSeconds(60);

    private final FleetFixture fleet = FleetResource.fixture();

    @Test
    @Order(1)
    void everyHostConvergesToTheCommittedGeneration() {
        String head = fleet.head();
        awaitAllInSyncOn(head);
        JsonPath hosts = hosts();
        for (String host : FleetFixture.HOSTS) {
            String desired = hosts.getString("find { it.name == '" + host + "' }.desired.path");
            assertEquals(desired, hosts.getString("find { it.name == '" + host + "' }.actual.path"));
            assertEquals(desired, fleet.currentSystem(host), host + " runs what the API says");
            assertEquals(1, fleet.generation(host), host + " got exactly one generation");
        }
        String metrics = metrics();
        for (String host : FleetFixture.HOSTS) {
            assertTrue(metrics.contains("driftless_host_in_sync{host=\"" + host + "\"} 1.0"), "in-sync gauge for " + host);
            assertTrue(metrics.contains("driftless_host_generation{host=\"" + host + "\"} 1.0"), "generation gauge for " + host);
            assertTrue(metrics.contains("driftless_deployments_total{host=\"" + host + "\",result=\"succeeded\"} 1.0"), "deployment counted for " + host);
        }
        assertTrue(metrics.contains("driftless_git_fetch_total{result=\"success\"}"));
        assertTrue(metrics.contains("driftless_evaluation_duration_seconds_count{result=\"success\"}"));
        assertTrue(metrics.contains("driftless_build_duration_seconds_count{result=\"success\"}"));
    }

    @Test
    @Order(2)
    void commitThatChangesOnlyWeb1RedeploysOnlyWeb1() {
        Map<String, Integer> before = generations();
        Map<String, String> pathsBefore = currentSystems();
        String sha = fleet.commit("hosts/web1.nix", "{ motd = \"web1: now with TLS\"; services = [ \"nginx\" \"acme\" ]; }\n", "web1: add acme");

        awaitAllInSyncOn(sha);

        assertEquals(before.get("web1") + 1, fleet.generation("web1"));
        assertNotEquals(pathsBefore.get("web1"), fleet.currentSystem("web1"));
        for (String other : List.of("web2", "db1")) {
            assertEquals(before.get(other), fleet.generation(other), other + " keeps its generation");
            assertEquals(pathsBefore.get(other), fleet.currentSystem(other), other + " keeps its system");
        }
        fleet.api().get("/api/v1/commits").then().statusCode(200)
                .body("[0].sha", org.hamcrest.Matchers.equalTo(sha))
                .body("[0].status", org.hamcrest.Matchers.equalTo("ready"))
                .body("[0].changedHosts", org.hamcrest.Matchers.contains("web1"));
    }

    @Test
    @Order(3)
    void commitThatDoesNotEvaluateLeavesEveryHostOnItsLastGoodGeneration() {
        Map<String, Integer> before = generations();
        Map<String, String> pathsBefore = currentSystems();
        String broken = fleet.commit("hosts/web2.nix", "{ motd = \"web2\"; services = [ \"nginx\" ; }\n", "web2: typo");

        awaitCommit(broken, "failed");
        fleet.api().get("/api/v1/commits").then().body("find { it.sha == '" + broken + "' }.error", containsString("syntax error"));
        waitForResyncs();
        assertEquals(before, generations());
        assertEquals(pathsBefore, currentSystems());
        assertTrue(metrics().contains("driftless_evaluations_total{result=\"failure\"}"));

        String fixed = fleet.commit("hosts/web2.nix", "{ motd = \"web2: fixed\"; services = [ \"nginx\" ]; }\n", "web2: fix typo");
        awaitAllInSyncOn(fixed);
        assertEquals(before.get("web2") + 1, fleet.generation("web2"));
    }

    @Test
    @Order(4)
    void commitThatDoesNotBuildDeploysNothingAtAll() {
        Map<String, Integer> before = generations();
        Map<String, String> pathsBefore = currentSystems();
        // One commit, so that no poll can see the db1 change alone.
        String broken = fleet.commit(Map.of(
                "hosts/db1.nix", "{ motd = \"db1: bigger buffers\"; services = [ \"postgresql\" ]; }\n",
                "hosts/web1.nix", "{ motd = \"web1\"; extraBuildCommands = \"echo 'certificate bundle missing' >&2; exit 3\"; }\n"),
                "db1: tune; web1: broken build");

        awaitCommit(broken, "failed");
        fleet.api().get("/api/v1/commits").then().body("find { it.sha == '" + broken + "' }.error", containsString("certificate bundle missing"))
                // db1 and web1 built in one nix build: the failure names the host that did not build, and only that one.
                .body("find { it.sha == '" + broken + "' }.error", containsString("build of web1 failed"));
        waitForResyncs();
        assertEquals(before, generations(), "db1 changed in the same commit and must not deploy either");
        assertEquals(pathsBefore, currentSystems());
        assertTrue(metrics().contains("driftless_builds_total{result=\"failure\"}"));

        String fixed = fleet.commit("hosts/web1.nix", "{ motd = \"web1: repaired\"; }\n", "web1: repair build");
        awaitAllInSyncOn(fixed);
        assertEquals(before.get("db1") + 1, fleet.generation("db1"));
        assertEquals(before.get("web1") + 1, fleet.generation("web1"));
    }

    @Test
    @Order(5)
    void outOfBandChangeOpensAnIncidentThatClosesWhenTheHostIsHealed() throws Exception {
        String committed = fleet.currentSystem("web2");
        int generation = fleet.generation("web2");
        try (EventStream events = EventStream.open(io.restassured.RestAssured.baseURI + ":" + io.restassured.RestAssured.port + "/api/v1/events", fleet.apiToken())) {
            String byHand = fleet.switchOutOfBand("web2", "web2: hotfix typed on the box");
            assertEquals(byHand, fleet.currentSystem("web2"));

            await().atMost(CONVERGE).until(() -> committed.equals(fleet.currentSystem("web2")));
            awaitAllInSyncOn(fleet.head());
            assertEquals(generation + 2, fleet.generation("web2"), "one generation by hand, one to put the committed one back");
            fleet.api().get("/api/v1/hosts/web2/history").then().statusCode(200)
                    .body("find { it.kind == 'drift-detected' && it.cause == 'out-of-band' }.path", org.hamcrest.Matchers.equalTo(byHand))
                    .body("[0].kind", org.hamcrest.Matchers.equalTo("deployed"));

            await().atMost(CONVERGE).untilAsserted(() -> fleet.api().get("/api/v1/incidents?host=web2").then().statusCode(200)
                    .body("[0].cause", org.hamcrest.Matchers.equalTo("out-of-band"))
                    .body("[0].closedAt", org.hamcrest.Matchers.notNullValue())
                    .body("[0].recoverySeconds", org.hamcrest.Matchers.greaterThan(0f)));
            String metrics = metrics();
            assertTrue(metrics.contains("driftless_incidents_total{cause=\"out-of-band\",host=\"web2\"} 1.0"), "incident counted");
            assertTrue(metrics.contains("driftless_recovery_seconds_count 1"), "one recovery observed");
            assertTrue(metrics.contains("driftless_recovery_seconds_bucket{le=\"3600.0\"} 1"), "MTTR histogram has buckets");

            await().atMost(CONVERGE).untilAsserted(() -> {
                assertTrue(events.received().stream().anyMatch(e -> e.contains("\"type\":\"dev.driftless.incident.opened\"")
                        && e.contains("\"subject\":\"web2\"") && e.contains("out-of-band")), "SSE incident.opened: " + events.received());
                assertTrue(events.received().stream().anyMatch(e -> e.contains("\"type\":\"dev.driftless.incident.closed\"")
                        && e.contains("\"subject\":\"web2\"")), "SSE incident.closed");
            });
            await().atMost(CONVERGE).untilAsserted(() -> {
                var got = FleetResource.receiver().received();
                assertTrue(got.stream().anyMatch(r -> r.path().equals("/hook") && r.body().contains("dev.driftless.incident.opened")
                        && r.body().contains("\"subject\":\"web2\"")), "webhook got the incident: " + got);
                assertTrue(got.stream().anyMatch(r -> r.path().equals("/slack") && r.body().contains("web2 diverged: out-of-band")), "slack");
                assertTrue(got.stream().anyMatch(r -> r.path().equals("/ntfy/driftless") && r.body().contains("web2 is in sync again")), "ntfy");
                assertEquals(1, got.stream().filter(r -> r.path().equals("/hook") && r.body().contains("incident.opened")).count(),
                        "one notification per incident");
            });
        }
    }

    @Test
    @Order(6)
    void failedActivationRollsTheHostBackAndTheNextGoodCommitHealsIt() {
        String previous = fleet.currentSystem("web1");
        int generation = fleet.generation("web1");
        String bad = fleet.commit("hosts/web1.nix",
                "{ motd = \"web1\"; extraActivation = \"echo 'nginx: invalid server block' >&2; exit 1\"; }\n", "web1: bad nginx config");

        await().atMost(CONVERGE).untilAsserted(() -> fleet.api().get("/api/v1/hosts/web1").then()
                .body("state", org.hamcrest.Matchers.equalTo("Degraded"))
                .body("driftCause", org.hamcrest.Matchers.equalTo("failed-deploy"))
                .body("lastDeployment.result", org.hamcrest.Matchers.equalTo("rolled_back"))
                .body("lastDeployment.commit", org.hamcrest.Matchers.equalTo(bad))
                .body("lastDeployment.message", containsString("nginx: invalid server block")));
        assertEquals(previous, fleet.currentSystem("web1"), "web1 runs its previous generation again");
        assertEquals(generation, fleet.generation("web1"), "the profile points at the previous generation again");
        assertTrue(metrics().contains("driftless_deployments_total{host=\"web1\",result=\"rolled_back\"} 1.0"));
        waitForResyncs();
        assertEquals(previous, fleet.currentSystem("web1"), "a failed generation is not retried on every resync");

        String fixed = fleet.commit("hosts/web1.nix", "{ motd = \"web1: valid config\"; }\n", "web1: fix nginx config");
        awaitAllInSyncOn(fixed);
        assertNotEquals(previous, fleet.currentSystem("web1"));
    }

    @Test
    @Order(7)
    void readinessOpenApiAndMetricNamesAreServed() {
        given().get("/q/health/ready").then().statusCode(200).body("checks.name", org.hamcrest.Matchers.hasItem("fleet-repository"));
        given().get("/q/openapi").then().statusCode(200).body(containsString("/api/v1/hosts/{name}/history"));
        String metrics = metrics();
        for (String name : List.of("driftless_host_state{host=\"web1\",state=\"InSync\"} 1.0", "driftless_host_drift_seconds{host=\"web1\"}",
                "driftless_git_fetch_duration_seconds_count", "driftless_git_last_commit_timestamp_seconds ")) {
            assertTrue(metrics.contains(name), name);
        }
    }

    @jakarta.inject.Inject
    RolloutCoordinator coordinator;

    @Test
    @Order(8)
    void redeliveredEvaluationsAndBuildResultsChangeNothing() {
        awaitAllInSyncOn(fleet.head());
        Map<String, Integer> before = generations();
        String head = fleet.head();
        JsonPath web1 = fleet.api().get("/api/v1/hosts/web1").then().extract().jsonPath();
        String desiredPath = fleet.api().get("/api/v1/hosts/web1").then().extract().path("desired.path");
        String firstCommit = fleet.api().get("/api/v1/commits").then().extract().jsonPath().getString("[-1].sha");

        // At-least-once delivery: the same results arrive again, for the head and for an old commit.
        coordinator.onEvaluation(new dev.driftless.event.EvaluationResult.Evaluated(head, Map.of("web1", "/nix/store/x-web1.drv"), null));
        coordinator.onEvaluation(new dev.driftless.event.EvaluationResult.Failed(firstCommit, "late failure"));
        coordinator.onBuild(new dev.driftless.event.BuildResult.Built(head, Map.of("web1", "/nix/store/x-web1.drv"), Map.of("web1", "/nix/store/x-web1")));
        coordinator.onBuild(new dev.driftless.event.BuildResult.Failed(head, Map.of("web2", "/nix/store/y-web2.drv"), java.util.List.of("web2"), "late failure"));

        waitForResyncs();
        assertEquals(before, generations(), "nothing was deployed again");
        fleet.api().get("/api/v1/hosts/web1").then().body("desired.path", org.hamcrest.Matchers.equalTo(desiredPath))
                .body("desired.commit", org.hamcrest.Matchers.equalTo(web1.getString("desired.commit")));
        fleet.api().get("/api/v1/commits").then()
                .body("find { it.sha == '" + head + "' }.status", org.hamcrest.Matchers.equalTo("ready"))
                .body("find { it.sha == '" + firstCommit + "' }.status", org.hamcrest.Matchers.equalTo("ready"));
    }

    @Test
    @Order(9)
    void unknownHostIsA404ThatSaysHowHostsAreConfigured() {
        fleet.api().get("/api/v1/hosts/nope").then().statusCode(404);
        fleet.api().get("/api/v1/hosts/nope/history").then().statusCode(404);
    }

    @jakarta.inject.Inject
    FleetStore store;

    @jakarta.inject.Inject
    io.agroal.api.AgroalDataSource db;

    @Test
    @Order(10)
    void aCommitThatChangesAThousandHostsWithLongNamesAndATenKilobyteMessageIsRecordedWhole() {
        String sha = "a1".repeat(20);
        List<String> thousand = java.util.stream.IntStream.rangeClosed(1, 1000)
                .mapToObj(i -> String.format("rack-%02d-node-%017d", i % 40, i)).toList();
        assertEquals(30, thousand.get(0).length());
        String message = "nixpkgs: update\n\n" + "every host changes. ".repeat(512);
        java.time.Instant now = java.time.Instant.now();
        store.recordObserved(new dev.driftless.event.CommitObserved(sha, "main", message, "Test <test@example.org>", now, now));

        store.setStatus(sha, CommitRecord.Status.BUILDING, null, thousand);

        fleet.api().get("/api/v1/commits").then().statusCode(200)
                .body("find { it.sha == '" + sha + "' }.status", org.hamcrest.Matchers.equalTo("building"))
                .body("find { it.sha == '" + sha + "' }.changedHosts.size()", org.hamcrest.Matchers.equalTo(1000))
                .body("find { it.sha == '" + sha + "' }.changedHosts", org.hamcrest.Matchers.hasItems(thousand.get(0), thousand.get(999)));
        CommitRecord stored = store.commit(sha).orElseThrow();
        assertEquals(new java.util.TreeSet<>(thousand), new java.util.TreeSet<>(stored.changedHosts()));
        assertTrue(stored.message().startsWith("nixpkgs: update") && stored.message().endsWith("…"),
                "a long message is cut on purpose, and says so");
        store.setStatus(sha, CommitRecord.Status.SUPERSEDED, null, null);
    }

    @Test
    @Order(11)
    void aStoreThatRefusesWritesFailsTheCommitVisiblyWithAMetricAndReadiness() throws Exception {
        String sha = "b2".repeat(20);
        java.time.Instant now = java.time.Instant.now();
        store.recordObserved(new dev.driftless.event.CommitObserved(sha, "main", "web1: change", "Test <test@example.org>", now, now));
        double before = counter("driftless_processing_failures_total{stage=\"evaluation\"}");
        execute("alter table commit_hosts add constraint injected_failure check (host <> host) nocheck");
        try {
            coordinator.onEvaluation(new dev.driftless.event.EvaluationResult.Evaluated(sha, Map.of("web1", "/nix/store/injected-web1.drv"), null));

            fleet.api().get("/api/v1/commits").then()
                    .body("find { it.sha == '" + sha + "' }.status", org.hamcrest.Matchers.equalTo("failed"))
                    .body("find { it.sha == '" + sha + "' }.error", containsString("cannot process the evaluation result"));
            assertEquals(before + 1, counter("driftless_processing_failures_total{stage=\"evaluation\"}"), "counted");

            org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                    () -> store.setStatus(sha, CommitRecord.Status.FAILED, "again", List.of("web1")));
            given().get("/q/health/ready").then().statusCode(503)
                    .body("checks.find { it.name == 'state-store' }.status", org.hamcrest.Matchers.equalTo("DOWN"));
        } finally {
            execute("alter table commit_hosts drop constraint injected_failure");
        }
        store.setStatus(sha, CommitRecord.Status.FAILED, "injected", List.of());
        given().get("/q/health/ready").then().statusCode(200);
        fleet.api().get("/api/v1/hosts/web1").then().body("desired.path", org.hamcrest.Matchers.not(containsString("injected")));
    }

    /** A commit is untrusted: its builder runs in Nix's sandbox, where the keys and tokens under the data dir do not exist. */
    @Test
    @Order(12)
    void aCommitWhoseBuildReadsTheSigningKeyFailsAndLeaksNothing() {
        Map<String, String> pathsBefore = currentSystems();
        String key = fleet.dataDir().resolve("keys/signing-key.sec").toString();
        assertTrue(java.nio.file.Files.isReadable(java.nio.file.Path.of(key)), "the key exists outside the sandbox");
        String thief = fleet.commit("hosts/web1.nix", "{ motd = \"web1\"; extraBuildCommands = \"cat " + key + " > $out/stolen\"; }\n",
                "web1: innocent change");
        awaitCommit(thief, "failed");
        fleet.api().get("/api/v1/commits").then().body("find { it.sha == '" + thief + "' }.error", containsString("No such file or directory"));
        assertEquals(pathsBefore, currentSystems(), "nothing deployed");
    }

    private void execute(String sql) throws java.sql.SQLException {
        try (var conn = db.getConnection(); var st = conn.createStatement()) {
            st.execute(sql);
        }
    }

    private static double counter(String series) {
        return metrics().lines().filter(l -> l.startsWith(series + " ")).mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                .findFirst().orElse(-1);
    }

    private void awaitAllInSyncOn(String sha) {
        await().atMost(CONVERGE).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            JsonPath hosts = hosts();
            for (String host : FleetFixture.HOSTS) {
                String at = "find { it.name == '" + host + "' }";
                assertEquals("InSync", hosts.getString(at + ".state"), host + " state: " + hosts.getString(at + ".message"));
                assertEquals(sha, hosts.getString(at + ".desired.commit"), host + " desired commit");
            }
        });
    }

    private void awaitCommit(String sha, String status) {
        await().atMost(CONVERGE).pollInterval(Duration.ofMillis(200)).untilAsserted(() ->
                fleet.api().get("/api/v1/commits").then().body("find { it.sha == '" + sha + "' }.status", org.hamcrest.Matchers.equalTo(status)));
    }

    /** Lets the loop run a few resyncs (interval 2s) so a wrong deployment would have happened. */
    private static void waitForResyncs() {
        long until = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        await().atMost(Duration.ofSeconds(10)).until(() -> System.nanoTime() > until);
    }

    private static JsonPath hosts() {
        return FleetResource.fixture().api().get("/api/v1/hosts").then().statusCode(200).extract().jsonPath();
    }

    private static String metrics() {
        return given().get("/q/metrics").then().statusCode(200).extract().asString();
    }

    private Map<String, Integer> generations() {
        Map<String, Integer> out = new HashMap<>();
        FleetFixture.HOSTS.forEach(h -> out.put(h, fleet.generation(h)));
        return out;
    }

    private Map<String, String> currentSystems() {
        Map<String, String> out = new HashMap<>();
        FleetFixture.HOSTS.forEach(h -> out.put(h, fleet.currentSystem(h)));
        return out;
    }
}
