package dev.driftless.host;

import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.driftless.testing.DriftlessProcess;
import dev.driftless.testing.FleetFixture;
import dev.driftless.testing.NamespaceFleet;
import io.restassured.path.json.JsonPath;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * A generation switched by hand is seen between resyncs: web1 is a local directory host (file
 * system notifications), web2 an SSH namespace host (a watch over its master connection). The
 * resync runs every 10 minutes here, so nothing but the watches can notice the change within the
 * tests' wait; each is reverted to the committed generation, as heal does.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HostWatchIT {

    private static final Duration CONVERGE = Duration.ofSeconds(90);
    /** Far less than the resync interval: only a watch reports the change this soon. */
    private static final Duration WELL_BEFORE_THE_RESYNC = Duration.ofSeconds(60);

    private static FleetFixture repo;
    private static NamespaceFleet hosts;
    private static DriftlessProcess app;

    @BeforeAll
    static void start() {
        assumeTrue(NamespaceFleet.canRun(), "SSH watch tests need root and sshd to make network-namespace hosts; CI runs as root");
        repo = new FleetFixture(List.of("web1", "web2"));
        hosts = new NamespaceFleet(List.of("web2"));
        Map<String, String> config = hosts.controllerConfig(repo);
        config.put("driftless.hosts.web1.target", "local:" + repo.hostRoot("web1"));
        config.put("driftless.hosts.web1.health-check", "none");
        config.put("driftless.hosts.web2.health-check", "none");
        config.put("driftless.reconcile.interval", "10m");
        app = DriftlessProcess.start(config, "host-watch");
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
    void bothHostsTakeTwoCommittedGenerations() {
        awaitInSync(repo.head());
        String sha = repo.commit(Map.of("hosts/web1.nix", "{ motd = \"web1 v2\"; }\n", "hosts/web2.nix", "{ motd = \"web2 v2\"; }\n"), "v2");
        awaitInSync(sha);
        assertEquals(2, repo.generation("web1"));
        assertEquals(2, hosts.generation("web2"));
    }

    @Test
    @Order(2)
    void aLocalHostSwitchedBackByHandIsSeenAtOnceAndReturnedToTheCommit() {
        String committed = repo.currentSystem("web1");
        String older = repo.generations("web1").get(1);
        repo.switchTo("web1", older);
        assertEquals(older, repo.currentSystem("web1"));
        awaitDetectedAndReverted("web1", older, committed, () -> repo.currentSystem("web1"));
    }

    @Test
    @Order(3)
    void anSshHostRolledBackByHandIsSeenAtOnceAndReturnedToTheCommit() {
        String committed = hosts.currentSystem("web2");
        hosts.ssh("web2", "nix-env -p /nix/var/nix/profiles/system --rollback"
                + " && /nix/var/nix/profiles/system/bin/switch-to-configuration switch");
        String byHand = hosts.currentSystem("web2");
        assertNotEquals(committed, byHand);
        awaitDetectedAndReverted("web2", byHand, committed, () -> hosts.currentSystem("web2"));
    }

    @Test
    @Order(4)
    void aWatchLostWithItsConnectionIsMadeAgainAndStillSeesTheNextChange() {
        // End the host's watch loop as a dropped channel would.
        String committed = hosts.currentSystem("web2");
        String loops = await().atMost(CONVERGE).until(HostWatchIT::watchLoops, l -> !l.isEmpty());
        hosts.ssh("web2", "kill " + loops.replace('\n', ' ') + " || true");
        // Ended: none of them is left. A new loop may already be there, made by a reconcile of
        // web2 that was still ending (the revert of the test before): that is the watch made again.
        java.util.Set<String> killed = java.util.Set.of(loops.split("\n"));
        await().atMost(CONVERGE).until(() -> java.util.Collections.disjoint(killed, java.util.Set.of(watchLoops().split("\n"))));
        app.api().post("/api/v1/hosts/web2/sync").then().statusCode(org.hamcrest.Matchers.lessThan(300));
        await().atMost(CONVERGE).until(() -> !watchLoops().isEmpty()); // the reconcile that reached the host watches it again
        hosts.ssh("web2", "nix-env -p /nix/var/nix/profiles/system --switch-generation 1"
                + " && /nix/var/nix/profiles/system/bin/switch-to-configuration switch");
        String byHand = hosts.currentSystem("web2");
        assertNotEquals(committed, byHand);
        awaitDetectedAndReverted("web2", byHand, committed, () -> hosts.currentSystem("web2"));
    }

    private static void awaitDetectedAndReverted(String host, String byHand, String committed, java.util.function.Supplier<String> running) {
        await().atMost(WELL_BEFORE_THE_RESYNC).pollInterval(Duration.ofMillis(200)).untilAsserted(() ->
                app.api().get("/api/v1/hosts/" + host + "/history").then()
                        .body("find { it.kind == 'drift-detected' && it.cause == 'out-of-band' && it.path == '" + byHand + "' }",
                                org.hamcrest.Matchers.notNullValue()));
        await().atMost(WELL_BEFORE_THE_RESYNC).until(() -> committed.equals(running.get()));
        await().atMost(CONVERGE).untilAsserted(() -> app.api().get("/api/v1/hosts/" + host).then().body("state", equalTo("InSync")));
    }

    /**
     * Matches the watch loop's command line (its {@code same() {} function), and not the pgrep or
     * pkill command that carries it: the bracket stands for the letter only in a pattern.
     */
    private static final String LOOP = "'sam[e]\\(\\) \\{'";

    /**
     * The watch loops running on the host. The host shares this machine's processes (only its
     * network is its own), so loops that other tests' hosts run are left out by their network namespace.
     */
    private static String watchLoops() {
        return hosts.ssh("web2", "for p in $(pgrep -f " + LOOP + "); do"
                + " [ /proc/$p/ns/net -ef /proc/self/ns/net ] && echo $p; done; true").strip();
    }

    private static void awaitInSync(String sha) {
        await().atMost(CONVERGE).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
            JsonPath all = app.api().get("/api/v1/hosts").then().statusCode(200).extract().jsonPath();
            for (String host : List.of("web1", "web2")) {
                String at = "find { it.name == '" + host + "' }";
                assertEquals("InSync", all.getString(at + ".state"), host + ": " + all.getString(at + ".message"));
                assertEquals(sha, all.getString(at + ".desired.commit"), host);
            }
        });
    }
}
