package dev.driftless.inventory;

import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.driftless.testing.DriftlessProcess;
import dev.driftless.testing.FleetFixture;
import io.restassured.path.json.JsonPath;
import java.nio.file.Files;
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
 * The example fleet as a user has it: the hosts are declared in the flake (its {@code driftless}
 * output), and the controller gets no {@code driftless.hosts.*} setting but one override. Hosts
 * come and go with commits; a wrong inventory fails its commit and moves nothing. The packaged jar
 * on directory hosts; the tests share the fleet and run in order.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class InventoryIT {

    private static final Duration CONVERGE = Duration.ofSeconds(90);

    private static FleetFixture repo;
    private static DriftlessProcess app;
    private static Map<String, String> config;

    @BeforeAll
    static void start() throws Exception {
        repo = new FleetFixture(List.of("web1", "web2", "db1"));
        Files.createDirectories(repo.hostRoot("cache1"));
        String hostsDir = repo.hostRoot("web1").getParent().toString();
        repo.commit(Map.of("site.nix", "{ hostsDir = \"" + hostsDir + "\"; }\n",
                "hosts/db1.nix", "{ motd = \"db1\"; deploy = { tags = [ \"db\" ]; policy = \"report\"; }; }\n"),
                "declare the hosts' directories; db1's drift is only reported");
        config = new java.util.HashMap<>(repo.config());
        config.keySet().removeIf(k -> k.startsWith("driftless.hosts."));
        // The flake says db1's drift is only reported; configuration overrides it to heal.
        config.put("driftless.hosts.db1.policy", "heal");
        app = DriftlessProcess.start(config, "inventory");
    }

    @AfterAll
    static void stop() {
        if (app != null) {
            app.close();
        }
        if (repo != null) {
            repo.close();
        }
    }

    @Test
    @Order(1)
    void hostsDeclaredInTheFlakeConvergeWithNoHostInConfiguration() {
        awaitInSync(List.of("web1", "web2", "db1"), repo.head());
        app.api().get("/api/v1/commits").then().body("[0].inventory", equalTo("driftless"));
        JsonPath web1 = app.api().get("/api/v1/hosts/web1").then().extract().jsonPath();
        assertEquals("flake:driftless", web1.getString("settingsFrom.target"));
        assertEquals(List.of("web"), web1.getList("tags"));
        assertEquals("default", web1.getString("settingsFrom.policy"));
        assertEquals(1, repo.generation("web1"));
    }

    @Test
    @Order(2)
    void configurationOverridesTheFlakeAndTheApiSaysWhere() {
        app.api().get("/api/v1/hosts/db1").then().body("settingsFrom.policy", equalTo("configuration"))
                .body("tags", equalTo(List.of("db")));
        String committed = repo.currentSystem("db1");
        repo.switchOutOfBand("db1", "db1: changed by hand");
        // The flake's policy (report) would leave it; configuration's (heal) puts the commit back.
        await().atMost(CONVERGE).until(() -> committed.equals(repo.currentSystem("db1")));
    }

    @Test
    @Order(3)
    void aCommitThatAddsAHostBringsItInSync() {
        String sha = repo.commit("hosts/cache1.nix", "{ motd = \"cache1\"; }\n", "add cache1");
        awaitInSync(List.of("web1", "web2", "db1", "cache1"), sha);
        assertEquals(1, repo.generation("cache1"));
        app.api().get("/api/v1/hosts/cache1/history").then().body("kind", org.hamcrest.Matchers.hasItem("managed"));
    }

    @Test
    @Order(4)
    void aCommitThatRemovesAHostLeavesItRunningItsGenerationUnmanaged() {
        String running = repo.currentSystem("web2");
        int generation = repo.generation("web2");
        String head = dev.driftless.testing.Shell.sh(repo.repo(), "git rm -q hosts/web2.nix && printf '%s' \"$1\" > hosts/web1.nix"
                + " && git commit -qam 'retire web2' && git rev-parse HEAD", "{ motd = \"web1: web2 is gone\"; deploy.tags = [ \"web\" ]; }\n");
        awaitInSync(List.of("web1", "db1", "cache1"), head);
        await().atMost(CONVERGE).untilAsserted(() -> app.api().get("/api/v1/hosts/web2").then()
                .body("state", equalTo("Unmanaged")).body("managed", equalTo(false)));
        assertEquals(running, repo.currentSystem("web2"), "a host removed from Git is never wiped or rolled");
        assertEquals(generation, repo.generation("web2"));
        app.api().get("/api/v1/hosts/web2/history").then().body("kind", org.hamcrest.Matchers.hasItem("unmanaged"));
        app.api().post("/api/v1/hosts/web2/sync").then().statusCode(409).body("message", containsString("not in the fleet's inventory"));

        // Not watched any more: a change by hand stays, and it has no gauges to alert on.
        String byHand = repo.switchOutOfBand("web2", "web2: someone else's now");
        sleepThroughResyncs();
        assertEquals(byHand, repo.currentSystem("web2"));
        String metrics = io.restassured.RestAssured.get(app.url() + "/q/metrics").asString();
        assertTrue(!metrics.contains("host=\"web2\",state="), "an unmanaged host exports no state gauge");
    }

    @Test
    @Order(5)
    void eachKindOfBadInventoryFailsItsCommitNamingTheHostAndFieldAndMovesNoHost() {
        Map<String, Integer> before = Map.of("web1", repo.generation("web1"), "db1", repo.generation("db1"), "cache1", repo.generation("cache1"));
        String good = repo.head();
        assertFails(Map.of("hosts/web1.nix", "{ motd = \"web1 v9\"; deploy.tagz = [ \"web\" ]; }\n"), "driftless.hosts.web1.tagz: unknown key");
        assertFails(Map.of("hosts/web1.nix", "{ motd = \"web1 v9\"; deploy.target = \"ssh://-oProxyCommand=x@web1\"; }\n"),
                "driftless.hosts.web1.target: target 'ssh://-oProxyCommand=x@web1'");
        assertFails(Map.of("hosts/cache1.nix", "{ motd = \"cache1 v9\"; deploy.target = \"local:" + repo.hostRoot("db1") + "\"; }\n"),
                "hosts cache1, db1 have the same target");
        assertFails(Map.of("flake.nix", flakeWithAGhost()), "driftless.hosts.ghost: there is no nixosConfigurations.ghost");
        assertFails(Map.of("hosts/web1.nix", "{ motd = \"web1 v9\"; deploy.goal = \"reboot\"; }\n"), "driftless.hosts.web1.goal");

        // Nothing moved, and the controller goes on: a good commit after them deploys.
        before.forEach((host, gen) -> assertEquals(gen, repo.generation(host), host + " stayed where it was"));
        String fixed = repo.commit(Map.of("flake.nix", original(), "hosts/web1.nix", "{ motd = \"web1: fixed\"; deploy.tags = [ \"web\" ]; }\n",
                "hosts/cache1.nix", "{ motd = \"cache1\"; }\n"), "fix the inventory");
        awaitInSync(List.of("web1", "db1", "cache1"), fixed);
        assertEquals(before.get("web1") + 1, repo.generation("web1"));
        assertEquals(before.get("db1"), repo.generation("db1"));
        assertTrue(!good.equals(fixed));
    }

    @Test
    @Order(6)
    void aRestartManagesTheHostsOfTheLastReadyCommitAndRedeploysNothing() {
        Map<String, Integer> before = Map.of("web1", repo.generation("web1"), "db1", repo.generation("db1"), "cache1", repo.generation("cache1"));
        app.close();
        app = DriftlessProcess.start(config, "inventory-restarted");
        app.api().get("/api/v1/hosts/web1").then().body("managed", equalTo(true)).body("settingsFrom.target", equalTo("flake:driftless"));
        app.api().get("/api/v1/hosts/web2").then().body("state", equalTo("Unmanaged"));
        awaitInSync(List.of("web1", "db1", "cache1"), repo.head());
        before.forEach((host, gen) -> assertEquals(gen, repo.generation(host), host + " was not redeployed"));
    }

    private void assertFails(Map<String, String> files, String message) {
        String sha = repo.commit(files, "bad inventory: " + message);
        await().atMost(CONVERGE).untilAsserted(() -> app.api().get("/api/v1/commits").then()
                .body("find { it.sha == '" + sha + "' }.status", equalTo("failed"))
                .body("find { it.sha == '" + sha + "' }.error", containsString(message)));
    }

    private static String original() {
        try {
            return Files.readString(FleetFixture.EXAMPLE_FLEET.resolve("flake.nix"));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The example flake with one more declared host, which has no configuration. */
    private static String flakeWithAGhost() {
        String flake = original();
        String marker = "driftless.hosts = builtins.listToAttrs";
        assertTrue(flake.contains(marker), "the example flake declares its hosts with " + marker);
        return flake.replace(marker, "driftless.hosts = { ghost.target = \"local:/srv/ghost\"; } // builtins.listToAttrs");
    }

    private static void sleepThroughResyncs() {
        try {
            Thread.sleep(6_000); // three resyncs at the fixture's 2 s interval
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void awaitInSync(List<String> hosts, String sha) {
        await().atMost(CONVERGE).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
            JsonPath all = app.api().get("/api/v1/hosts").then().statusCode(200).extract().jsonPath();
            for (String host : hosts) {
                assertEquals("InSync", all.getString("find { it.name == '" + host + "' }.state"), host + ": " + all.prettify());
                assertEquals(sha, all.getString("find { it.name == '" + host + "' }.desired.commit"), host);
            }
        });
    }
}
