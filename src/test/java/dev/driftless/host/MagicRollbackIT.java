package dev.driftless.host;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.driftless.testing.DriftlessProcess;
import dev.driftless.testing.FixtureSwitch;
import dev.driftless.testing.FleetFixture;
import dev.driftless.testing.SystemdFleet;
import io.restassured.path.json.JsonPath;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Never locked out: a generation is confirmed over a new SSH connection after its switch and
 * checks, and a host that gets no confirmation returns itself to the generation before, whether
 * the generation cut it off or the controller died. Hosts that boot systemd; tests in order.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MagicRollbackIT {

    /** The hosts' guards fire this long after a switch nobody confirmed. */
    private static final int CONFIRM_SECONDS = 10;
    /** The guard's own switch back, and the fixture's switch, take a second or two; more under load. */
    private static final Duration GUARD_SLACK = Duration.ofSeconds(20);
    private static final Duration CONVERGE = Duration.ofSeconds(120);

    private static FleetFixture repo;
    private static SystemdFleet hosts;
    private static Map<String, String> config;
    private static DriftlessProcess app;

    @BeforeAll
    static void start() {
        assumeTrue(SystemdFleet.canRun(), "systemd host tests need root, systemd-nspawn and debootstrap; CI runs as root");
        repo = new FleetFixture(Path.of("src/test/fleets/systemd"), List.of("gw1", "gw2"));
        hosts = new SystemdFleet(List.of("gw1", "gw2"));
        config = hosts.controllerConfig(repo);
        config.put("driftless.reconcile.interval", "3s");
        config.put("driftless.ssh.connect-timeout", "3s");
        config.put("driftless.deploy.confirm-timeout", CONFIRM_SECONDS + "s");
        // gw2's checks take long enough to kill the controller between its switch and its confirmation.
        config.put("driftless.hosts.gw2.checks.slow.command", "sleep 6");
        config.put("driftless.api.token", "magic-rollback-it-" + UUID.randomUUID());
        app = DriftlessProcess.start(config, "magic-rollback");
        awaitInSync("gw1", repo.head());
        awaitInSync("gw2", repo.head());
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
    void aGoodGenerationIsConfirmedAndItsGuardLeavesNothingBehind() {
        String sha = repo.commit("hosts/gw1.nix", "{ motd = \"gw1: tuned\"; services = [ \"nginx\" ]; }\n", "gw1: tuned");
        awaitInSync("gw1", sha);
        assertEquals(host("gw1").getString("desired.path"), hosts.currentSystem("gw1"));
        assertNothingLeft("gw1");
    }

    @Test
    @Order(2)
    void aGenerationThatDropsNewSshConnectionsRollsItselfBackAndIsQuarantinedAsLostConnectivity() {
        String previous = hosts.currentSystem("gw1");
        int generation = hosts.generation("gw1");
        String bad = repo.commit("hosts/gw1.nix", "{ motd = \"gw1: locked out\"; services = [ \"nginx\" ]; dropNewSsh = true; }\n",
                "gw1: a firewall that drops new ssh connections");
        String badPath = awaitDesired("gw1", bad);
        await().atMost(CONVERGE).pollInterval(Duration.ofMillis(200)).until(() -> badPath.equals(hosts.currentSystem("gw1")));
        long switched = System.nanoTime();
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).until(() ->
                "yes".equals(hosts.console("gw1", "nft list table inet driftless_fixture >/dev/null 2>&1 && echo yes || echo no")));
        assertFalse(newConnectionWorks("gw1"), "the generation drops new ssh connections");
        assertNotEquals("InSync", host("gw1").getString("state"), "never InSync on a generation no new connection reached");

        await().atMost(Duration.ofSeconds(CONFIRM_SECONDS).plus(GUARD_SLACK)).pollInterval(Duration.ofMillis(250))
                .until(() -> previous.equals(hosts.currentSystem("gw1")));
        System.out.printf("gw1 returned itself to its previous generation %.1f s after the switch (confirm timeout %d s)%n",
                (System.nanoTime() - switched) / 1e9, CONFIRM_SECONDS);
        assertEquals(generation, hosts.generation("gw1"), "the profile is back on exactly the generation before");
        assertTrue(newConnectionWorks("gw1"), "new ssh connections reach gw1 again");

        await().atMost(CONVERGE).untilAsserted(() -> {
            JsonPath h = host("gw1");
            assertEquals("Degraded", h.getString("state"), h.getString("message"));
            assertEquals(bad, h.getString("lastDeployment.commit"));
            assertEquals("rolled_back", h.getString("lastDeployment.result"));
            assertEquals("lost-connectivity", h.getString("lastDeployment.reason"));
            assertEquals(previous, h.getString("actual.path"));
        });
        JsonPath incidents = app.api().queryParam("host", "gw1").get("/api/v1/incidents").then().statusCode(200).extract().jsonPath();
        assertEquals("lost-connectivity", incidents.getString("[0].cause"), incidents.prettify());

        // Quarantined: several resyncs later, still one switch to the generation that locked the host out.
        await().pollDelay(Duration.ofSeconds(10)).atMost(Duration.ofSeconds(11)).until(() -> true);
        List<FixtureSwitch> toBad = hosts.switches("gw1").stream().filter(s -> s.path().equals(badPath)).toList();
        assertEquals(1, toBad.size(), "not retried in a loop: " + toBad);
        assertEquals(previous, hosts.currentSystem("gw1"));
        assertEquals("Degraded", host("gw1").getString("state"));
        assertNothingLeftButTheGuardsRecord("gw1");
    }

    @Test
    @Order(3)
    void aControllerKilledBetweenTheSwitchAndTheConfirmationLeavesTheHostToReturnItselfAndTheNextControllerTellsTheTruth() {
        String previous = hosts.currentSystem("gw2");
        String sha = repo.commit("hosts/gw2.nix", "{ motd = \"gw2: new\"; services = [ \"nginx\" ]; }\n", "gw2: new");
        String desired = awaitDesired("gw2", sha);
        await().atMost(CONVERGE).pollInterval(Duration.ofMillis(100)).until(() -> desired.equals(hosts.currentSystem("gw2")));
        app.kill(); // its checks (sleep 6) are running: no confirmation is sent
        long killed = System.nanoTime();

        await().atMost(Duration.ofSeconds(CONFIRM_SECONDS).plus(GUARD_SLACK)).pollInterval(Duration.ofMillis(250))
                .until(() -> previous.equals(hosts.currentSystem("gw2")));
        System.out.printf("gw2 returned itself %.1f s after its controller was killed%n", (System.nanoTime() - killed) / 1e9);

        app = DriftlessProcess.start(config, "magic-rollback-restarted");
        await().atMost(CONVERGE).untilAsserted(() -> {
            JsonPath history = app.api().get("/api/v1/hosts/gw2/history").then().statusCode(200).extract().jsonPath();
            List<Map<String, Object>> entries = history.getList("$");
            assertTrue(entries.stream().anyMatch(e -> "rolled-back".equals(e.get("kind")) && sha.equals(e.get("commit"))
                    && "lost-connectivity".equals(e.get("cause")) && String.valueOf(e.get("message")).contains("before it was confirmed")),
                    history.prettify());
        });
        // Not the generation's fault: it is tried again, confirmed this time.
        awaitInSync("gw2", sha);
        assertEquals(desired, hosts.currentSystem("gw2"));
        assertNothingLeftButTheGuardsRecord("gw2");
        assertEquals(3, hosts.console("gw2", "ls -A /run/driftless/guards").lines().count(),
                "only the record of the guard that fired stays (decided, status, log): the confirmed one left nothing");
    }

    /** A new ssh connection from outside, as an admin's login would be; none of the controller's. */
    private static boolean newConnectionWorks(String host) {
        try {
            return "ok".equals(hosts.ssh(host, "echo ok").strip());
        } catch (AssertionError | RuntimeException e) { // the harness's ssh fails with an AssertionError
            return false;
        }
    }

    private static void assertNothingLeft(String host) {
        assertEquals("", hosts.console(host, "systemctl list-units --all --plain --no-legend 'driftless-*guard*' | awk '{print $1}'"),
                host + ": no guard unit or timer is left");
        assertEquals("", hosts.console(host, "ls -A /run/driftless/guards 2>/dev/null || true"), host + ": no guard file is left");
    }

    /** After a guard fired, its record stays on the host's /run for the next controller (and a person) to read; no unit. */
    private static void assertNothingLeftButTheGuardsRecord(String host) {
        assertEquals("", hosts.console(host, "systemctl list-units --all --plain --no-legend 'driftless-*guard*' | awk '{print $1}'"),
                host + ": no guard unit is left");
    }

    private static String awaitDesired(String host, String sha) {
        await().atMost(CONVERGE).until(() -> sha.equals(host(host).getString("desired.commit")));
        return host(host).getString("desired.path");
    }

    private static void awaitInSync(String name, String sha) {
        await().atMost(CONVERGE).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
            JsonPath h = host(name);
            assertEquals("InSync", h.getString("state"), name + ": " + h.getString("message"));
            assertEquals(sha, h.getString("desired.commit"), name + " desired commit");
        });
    }

    private static JsonPath host(String name) {
        return app.api().get("/api/v1/hosts/" + name).then().statusCode(200).extract().jsonPath();
    }
}
