package dev.driftless.host;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.driftless.testing.DriftlessProcess;
import dev.driftless.testing.FleetFixture;
import dev.driftless.testing.NamespaceFleet;
import io.restassured.path.json.JsonPath;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The packaged jar deploying over real SSH to hosts that are network namespaces with their own
 * sshd and their own /nix. The tests share one fleet and run in order.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SshFleetIT {

    private static final List<String> GOOD = List.of("web1", "web2", "db1");
    private static final Duration CONVERGE = Duration.ofSeconds(90);
    private static final int RESYNC_SECONDS = 3;
    private static final String API_TOKEN = "test-token-for-ssh-fleet-" + java.util.UUID.randomUUID();

    private static FleetFixture repo;
    private static NamespaceFleet hosts;
    private static DriftlessProcess app;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(NamespaceFleet.canRun(), "SSH fleet tests need root and sshd to make network-namespace hosts; CI runs as root");
        repo = new FleetFixture();
        repo.commit("hosts/cache1.nix", "{ motd = \"cache1\"; }\n", "add cache1");
        hosts = new NamespaceFleet(List.of("web1", "web2", "db1", "cache1"));
        hosts.pinWrongKey("cache1", "web1");
        Map<String, String> config = hosts.controllerConfig(repo);
        for (String host : List.of("web1", "web2", "db1", "cache1")) {
            config.put("driftless.hosts." + host + ".health-check", "! grep -q unhealthy /run/current-system/etc/motd");
        }
        config.put("driftless.reconcile.interval", RESYNC_SECONDS + "s");
        config.put("driftless.ssh.connect-timeout", "3s");
        config.put("driftless.api.token", API_TOKEN);
        app = DriftlessProcess.start(config, "ssh-fleet");
    }

    @AfterAll
    static void stop() {
        if (app != null) {
            app.close();
        }
        if (hosts != null) {
            hosts.close();
        }
        if (repo != null) {
            repo.close();
        }
    }

    @Test
    @Order(1)
    void threeSshHostsConvergeToTheCommit() {
        awaitInSync(GOOD, repo.head());
        JsonPath all = hostsJson();
        for (String host : GOOD) {
            assertEquals(all.getString(at(host) + ".desired.path"), hosts.currentSystem(host), host + " runs the committed path");
            assertEquals(1, hosts.generation(host));
        }
    }

    @Test
    @Order(2)
    void hostWhoseKeyDoesNotMatchKnownHostsIsNeverDeployedTo() {
        await().atMost(CONVERGE).untilAsserted(() -> app.api().get("/api/v1/hosts/cache1").then()
                .body("state", equalTo("Unreachable"))
                .body("message", containsString("host key verification failed"))
                .body("message", containsString(hosts.ip("cache1")))
                .body("message", containsString(hosts.hostKeyFingerprint("cache1"))));
        assertEquals(List.of(), hosts.storePaths("cache1"), "nothing was copied to cache1");
        assertEquals(null, hosts.currentSystem("cache1"));
    }

    @Test
    @Order(3)
    void commitThatChangesOneHostDeploysOnlyThatHost() {
        Map<String, Integer> before = generations();
        String sha = repo.commit("hosts/web2.nix", "{ motd = \"web2: more workers\"; }\n", "web2: more workers");
        awaitInSync(GOOD, sha);
        assertEquals(before.get("web2") + 1, hosts.generation("web2"));
        assertEquals(before.get("web1"), hosts.generation("web1"));
        assertEquals(before.get("db1"), hosts.generation("db1"));
    }

    @Test
    @Order(4)
    void failingActivationRollsBackAndTheNextGoodCommitHeals() {
        assertRollsBackThenHeals("web1", "{ motd = \"web1\"; extraActivation = \"echo 'port 443 already in use' >&2; exit 1\"; }\n",
                "port 443 already in use");
    }

    @Test
    @Order(5)
    void failingHealthCheckRollsBackAndTheNextGoodCommitHeals() {
        assertRollsBackThenHeals("db1", "{ motd = \"db1 unhealthy\"; }\n", "health check");
    }

    @Test
    @Order(6)
    void sshdKilledMidRolloutLeavesOthersConvergedAndThatHostRecoversByItself() {
        String sha = repo.commit("hosts/web2.nix", "{ motd = \"web2: slow switch\"; extraActivation = \"sleep 4\"; }\n", "web2: slow switch");
        repo.commit("hosts/web1.nix", "{ motd = \"web1: rollout\"; }\n", "web1: rollout");
        String head = repo.head();
        await().atMost(CONVERGE).pollInterval(Duration.ofMillis(100)).untilAsserted(() ->
                app.api().get("/api/v1/hosts/web2").then().body("state", equalTo("Deploying")));
        hosts.stopSshd("web2");

        awaitInSync(List.of("web1", "db1"), head);
        await().atMost(CONVERGE).untilAsserted(() -> app.api().get("/api/v1/hosts/web2").then()
                .body("state", equalTo("Unreachable")));
        assertTrue(metrics().contains("driftless_host_state{host=\"web2\",state=\"Unreachable\"} 1.0"));

        hosts.startSshd("web2");
        awaitInSync(GOOD, head);
        assertNotEquals(null, sha);
    }

    @Test
    @Order(7)
    void changeMadeByHandOnAnSshHostIsDetectedWithinOneResync() {
        String committed = hosts.currentSystem("web1");
        hosts.ssh("web1", "nix-env -p /nix/var/nix/profiles/system --rollback"
                + " && /nix/var/nix/profiles/system/bin/switch-to-configuration switch");
        String byHand = hosts.currentSystem("web1");
        assertNotEquals(committed, byHand);

        // One resync interval plus the time a resync of the fleet takes.
        await().atMost(Duration.ofSeconds(RESYNC_SECONDS * 2L)).untilAsserted(() ->
                app.api().get("/api/v1/hosts/web1/history").then()
                        .body("find { it.kind == 'drift-detected' && it.cause == 'out-of-band' && it.path == '" + byHand + "' }", org.hamcrest.Matchers.notNullValue()));
        await().atMost(CONVERGE).until(() -> committed.equals(hosts.currentSystem("web1")));
    }

    @Test
    @Order(8)
    void rollbackAndSyncNeedTheTokenAndHoldThenReleaseTheHost() {
        awaitInSync(GOOD, repo.head());
        String committed = hosts.currentSystem("db1");
        given().baseUri(app.url()).post("/api/v1/hosts/db1/rollback").then().statusCode(401);
        given().baseUri(app.url()).header("Authorization", "Bearer wrong").post("/api/v1/hosts/db1/sync").then().statusCode(401);

        given().baseUri(app.url()).header("Authorization", "Bearer " + API_TOKEN).post("/api/v1/hosts/db1/rollback").then().statusCode(202);
        await().atMost(CONVERGE).until(() -> !committed.equals(hosts.currentSystem("db1")));
        String rolledBackTo = hosts.currentSystem("db1");
        sleepThroughResyncs();
        assertEquals(rolledBackTo, hosts.currentSystem("db1"), "a requested rollback is not healed away");
        app.api().get("/api/v1/hosts/db1").then().body("state", equalTo("OutOfSync"));

        given().baseUri(app.url()).header("Authorization", "Bearer " + API_TOKEN).post("/api/v1/hosts/db1/sync").then().statusCode(202);
        await().atMost(CONVERGE).until(() -> committed.equals(hosts.currentSystem("db1")));
        awaitInSync(GOOD, repo.head());
    }

    private void assertRollsBackThenHeals(String host, String brokenConfig, String expectedInMessage) {
        String previous = hosts.currentSystem(host);
        int generation = hosts.generation(host);
        String bad = repo.commit("hosts/" + host + ".nix", brokenConfig, host + ": broken");
        await().atMost(CONVERGE).untilAsserted(() -> app.api().get("/api/v1/hosts/" + host).then()
                .body("state", equalTo("Degraded"))
                .body("lastDeployment.commit", equalTo(bad))
                .body("lastDeployment.result", equalTo("rolled_back"))
                .body("lastDeployment.message", containsString(expectedInMessage)));
        assertEquals(previous, hosts.currentSystem(host), host + " runs its previous generation");
        assertEquals(generation, hosts.generation(host), host + " profile is back on its previous generation");
        assertTrue(metrics().contains("driftless_deployments_total{host=\"" + host + "\",result=\"rolled_back\"} 1.0"));

        String fixed = repo.commit("hosts/" + host + ".nix", "{ motd = \"" + host + ": fixed\"; }\n", host + ": fix");
        awaitInSync(GOOD, fixed);
        assertNotEquals(previous, hosts.currentSystem(host));
    }

    private static void awaitInSync(List<String> names, String sha) {
        await().atMost(CONVERGE).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            JsonPath all = hostsJson();
            for (String host : names) {
                assertEquals("InSync", all.getString(at(host) + ".state"), host + ": " + all.getString(at(host) + ".message"));
                assertEquals(sha, all.getString(at(host) + ".desired.commit"), host + " desired commit");
            }
        });
    }

    private static void sleepThroughResyncs() {
        long until = System.nanoTime() + Duration.ofSeconds(RESYNC_SECONDS * 2L + 1).toNanos();
        await().atMost(Duration.ofSeconds(30)).until(() -> System.nanoTime() > until);
    }

    private static String at(String host) {
        return "find { it.name == '" + host + "' }";
    }

    private static JsonPath hostsJson() {
        return app.api().get("/api/v1/hosts").then().statusCode(200).extract().jsonPath();
    }

    private static String metrics() {
        return given().baseUri(app.url()).get("/q/metrics").then().extract().asString();
    }

    private static Map<String, Integer> generations() {
        Map<String, Integer> out = new HashMap<>();
        GOOD.forEach(h -> out.put(h, hosts.generation(h)));
        return out;
    }

}
