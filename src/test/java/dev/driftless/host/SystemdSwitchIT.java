package dev.driftless.host;

import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.driftless.host.transport.SwitchUnit;
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
 * The switch on hosts that boot a real systemd, the way a NixOS machine takes it: in a transient
 * unit that outlives a lost SSH session and is never started twice, judged by its own exit status
 * and by the units it left failed (not by units that were failed before), and done by a user
 * other than root through the narrowest sudoers lines. One booted fleet, tests in order.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SystemdSwitchIT {

    private static final List<String> ROOT_HOSTS = List.of("web1", "web2", "db1");
    private static final String DEPLOY_HOST = "app1";
    private static final Duration CONVERGE = Duration.ofSeconds(120);
    /** The sudoers lines README.md gives for a deploy user, with Debian's paths. */
    private static final String SUDOERS = """
            deploy ALL=(root) NOPASSWD: /usr/bin/nix-env -p /nix/var/nix/profiles/system *
            deploy ALL=(root) NOPASSWD: /usr/bin/systemd-run --unit=driftless-switch-*
            deploy ALL=(root) NOPASSWD: /usr/bin/systemctl reset-failed driftless-switch-*""";

    private static FleetFixture repo;
    private static SystemdFleet hosts;
    private static DriftlessProcess app;
    private static Map<String, String> config;

    @BeforeAll
    static void start() {
        assumeTrue(SystemdFleet.canRun(), "systemd host tests need root, systemd-nspawn and debootstrap; CI runs as root");
        repo = new FleetFixture(Path.of("src/test/fleets/systemd"), List.of("web1", "web2", "db1", DEPLOY_HOST));
        hosts = new SystemdFleet(List.of("web1", "web2", "db1", DEPLOY_HOST));
        System.out.printf("%d systemd hosts booted in %.1f s%n", 4, hosts.bootSeconds());
        config = hosts.controllerConfig(repo);
        config.put("driftless.hosts." + DEPLOY_HOST + ".target", hosts.target(DEPLOY_HOST, "deploy"));
        config.put("driftless.hosts." + DEPLOY_HOST + ".sudo", "true");
        config.put("driftless.reconcile.interval", "3s");
        config.put("driftless.deploy.stop-grace", "2s"); // shorter than the slow switches, for the stop mid-switch
        config.put("driftless.ssh.connect-timeout", "3s");
        config.put("driftless.api.token", "systemd-switch-it-" + UUID.randomUUID());
        app = DriftlessProcess.start(config, "systemd-switch");
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
    void aDeployUserWithoutSudoersLinesIsToldWhatIsMissingAndTheRootHostsConverge() {
        awaitInSync(ROOT_HOSTS, repo.head());
        for (String host : ROOT_HOSTS) {
            JsonPath h = host(host);
            String desired = h.getString("desired.path");
            assertEquals(desired, hosts.currentSystem(host), host + ": /run/current-system on the host");
            assertEquals(desired, h.getString("actual.path"), host + ": the actual path Driftless reports");
            assertEquals(1, hosts.generation(host), host + ": system profile generation");
            assertOneSwitch(host, hosts.switches(host), desired);
            String service = host.startsWith("web") ? "nginx.service" : "postgresql.service";
            assertEquals("active", hosts.console(host, "systemctl is-active \"$1\" || true", service), host + ": " + service);
        }
        await().atMost(CONVERGE).untilAsserted(() -> app.api().get("/api/v1/hosts/" + DEPLOY_HOST).then()
                .body("state", equalTo("Degraded"))
                .body("message", containsString("sudo"))
                .body("message", containsString("sudoers")));
        assertEquals(null, hosts.currentSystem(DEPLOY_HOST), "nothing was activated without the sudoers lines");
    }

    @Test
    @Order(2)
    void aDeployUserWithTheDocumentedSudoersLinesConverges() {
        hosts.installSudoers(DEPLOY_HOST, SUDOERS);
        app.api().post("/api/v1/hosts/" + DEPLOY_HOST + "/sync").then().statusCode(202);
        awaitInSync(List.of(DEPLOY_HOST), repo.head());
        assertEquals(host(DEPLOY_HOST).getString("desired.path"), hosts.currentSystem(DEPLOY_HOST));
        assertEquals(1, hosts.generation(DEPLOY_HOST));
    }

    @Test
    @Order(3)
    void aGenerationThatRestartsSshdConverges() {
        String sshdBefore = sshdPid("web2");
        int runsBefore = hosts.switches("web2").size();
        String sha = repo.commit("hosts/web2.nix", "{ motd = \"web2: new sshd settings\"; services = [ \"nginx\" ]; restartSshd = true; }\n",
                "web2: new sshd settings");
        awaitInSync(List.of("web2"), sha);
        String desired = host("web2").getString("desired.path");
        assertEquals(desired, hosts.currentSystem("web2"));
        List<FixtureSwitch> runs = hosts.switches("web2");
        assertOneSwitch("web2", runs.subList(runsBefore, runs.size()), desired);
        assertNotEquals(sshdBefore, sshdPid("web2"), "the switch restarted ssh.service");
        assertEquals("web2", hosts.ssh("web2", "hostname"), "new ssh logins work after the restart");
    }

    @Test
    @Order(4)
    void aSwitchWhoseSessionIsKilledCompletesOnTheHostOnceAndIsReportedInSync() {
        String sha = repo.commit("hosts/web1.nix", "{ motd = \"web1: slow\"; services = [ \"nginx\" ]; switchSleep = 15; }\n", "web1: a slow switch");
        String desired = awaitDesired("web1", sha);
        await().atMost(CONVERGE).pollInterval(Duration.ofMillis(200)).until(() ->
                hosts.switches("web1").stream().anyMatch(s -> s.path().equals(desired) && !s.finished()));
        int killed = hosts.killSessions("web1");
        assertTrue(killed > 0, "the controller's session to web1 was cut");

        awaitInSync(List.of("web1"), sha);
        assertEquals(desired, hosts.currentSystem("web1"));
        List<FixtureSwitch> runs = hosts.switches("web1").stream().filter(s -> s.path().equals(desired)).toList();
        assertEquals(1, runs.size(), "exactly one switch to the new generation ran: " + runs);
        assertEquals(Integer.valueOf(0), runs.get(0).exitCode());
    }

    @Test
    @Order(5)
    void aHostWithAUnitThatFailedBeforeTheDeployStillTakesAGoodGeneration() {
        // A job that fails every two seconds: the switch's reset-failed (as NixOS's does) clears it,
        // and it is failed again right after, so it is failed before the switch and after it.
        hosts.ssh("db1", "systemd-run --unit=handmade-broken --quiet --on-active=1s --on-unit-active=2s"
                + " --timer-property=AccuracySec=1ms /bin/false; for i in $(seq 50); do"
                + " systemctl is-failed -q handmade-broken.service && exit 0; sleep 0.2; done; exit 1");
        String sha = repo.commit("hosts/db1.nix", "{ motd = \"db1: tuned\"; services = [ \"postgresql\" ]; }\n", "db1: tuned");
        awaitInSync(List.of("db1"), sha);
        assertEquals(host("db1").getString("desired.path"), hosts.currentSystem("db1"));
    }

    @Test
    @Order(6)
    void aGenerationWithAUnitThatFailsToStartIsRolledBackToExactlyThePreviousOneNamingTheUnit() {
        assertRolledBackNamingTheUnit("web2", "{ motd = \"web2: broken\"; failingServices = [ \"payments\" ]; }\n");
    }

    @Test
    @Order(7)
    void aDeployUserRollsBackAFailedGenerationThroughSudoToo() {
        assertRolledBackNamingTheUnit(DEPLOY_HOST, "{ motd = \"app1: broken\"; failingServices = [ \"payments\" ]; }\n");
    }

    @Test
    @Order(8)
    void aStaleFailedUnitOfTheSwitchsNameIsClearedAndASwitchIsNeverRunTwiceForOneName() {
        String current = hosts.currentSystem("web1");
        hosts.ssh("web1", "systemd-run --unit=driftless-switch-stale-1 --quiet /bin/false; for i in $(seq 50); do"
                + " systemctl is-failed -q driftless-switch-stale-1.service && exit 0; sleep 0.2; done; exit 1");
        int before = hosts.switches("web1").size();
        String program = shell(SwitchUnit.start("stale-1", current, "switch", false, "/nix/var/nix"));

        SwitchUnit.Outcome first = SwitchUnit.parse(hosts.ssh("web1", program));
        assertTrue(first.succeeded(), first.toString());
        assertEquals(before + 1, hosts.switches("web1").size(), "the stale unit did not stop the switch");

        SwitchUnit.Outcome again = SwitchUnit.parse(hosts.ssh("web1", program));
        assertTrue(again.succeeded(), again.toString());
        assertEquals(before + 1, hosts.switches("web1").size(), "asked again, the host reports the switch that ran instead of a second one");
        assertEquals(current, hosts.currentSystem("web1"));
    }

    @Test
    @Order(9)
    void aControllerStoppedMidSwitchLeavesTheSwitchUnitRunningAndTheNextStartReportsItWithoutASecond() {
        String sha = repo.commit("hosts/web2.nix", "{ motd = \"web2: slow\"; services = [ \"nginx\" ]; switchSleep = 12; }\n",
                "web2: a slow switch, and a stop");
        String desired = awaitDesired("web2", sha);
        await().atMost(CONVERGE).pollInterval(Duration.ofMillis(200)).until(() ->
                hosts.switches("web2").stream().anyMatch(s -> s.path().equals(desired) && !s.finished()));
        app.close(); // SIGTERM past its 2 s grace: the switch sleeps 12 s
        String stopped = app.log();
        assertTrue(stopped.contains("stopping: the runs of [web2] outlived driftless.deploy.stop-grace (2 s) and are stopped"), stopped);
        assertTrue(stopped.contains("Driftless is stopping"), "the host's message says why its step ended:\n" + stopped);
        assertTrue(!stopped.contains("Exception in thread"), "the stop ends quietly:\n" + stopped);
        assertTrue(hosts.switches("web2").stream().anyMatch(s -> s.path().equals(desired) && !s.finished()),
                "the switch's unit outlives the controller: " + hosts.switches("web2"));

        app = DriftlessProcess.start(config, "systemd-switch-after-stop");
        await().atMost(CONVERGE).pollInterval(Duration.ofMillis(200)).until(() -> {
            JsonPath h = host("web2");
            boolean inSync = "InSync".equals(h.getString("state")) && sha.equals(h.getString("desired.commit"));
            if (inSync) { // the first time it is called InSync, its switch has ended
                assertTrue(hosts.switches("web2").stream().filter(s -> s.path().equals(desired)).allMatch(FixtureSwitch::finished),
                        "InSync only once the switch ended: " + hosts.switches("web2"));
            }
            return inSync;
        });
        assertEquals(desired, hosts.currentSystem("web2"));
        List<FixtureSwitch> runs = hosts.switches("web2").stream().filter(s -> s.path().equals(desired)).toList();
        assertEquals(1, runs.size(), "exactly one switch to the new generation ran, across the stop: " + runs + "\n" + app.log());
        assertTrue(runs.get(0).finished() && Integer.valueOf(0).equals(runs.get(0).exitCode()), runs.toString());
    }

    private static String shell(List<String> argv) {
        return String.join(" ", argv.stream().map(a -> "'" + a.replace("'", "'\\''") + "'").toList());
    }

    private static void assertRolledBackNamingTheUnit(String host, String broken) {
        String previous = hosts.currentSystem(host);
        int generation = hosts.generation(host);
        String bad = repo.commit("hosts/" + host + ".nix", broken, host + ": a unit that cannot start");
        await().atMost(CONVERGE).untilAsserted(() -> app.api().get("/api/v1/hosts/" + host).then()
                .body("state", equalTo("Degraded"))
                .body("lastDeployment.commit", equalTo(bad))
                .body("lastDeployment.result", equalTo("rolled_back"))
                .body("lastDeployment.message", containsString("payments.service")));
        assertEquals(previous, hosts.currentSystem(host), host + " runs its previous generation again");
        assertEquals(generation, hosts.generation(host), host + "'s profile is back on exactly the generation before");
        assertNotEquals(null, previous);
    }

    private static void assertOneSwitch(String host, List<FixtureSwitch> runs, String path) {
        assertEquals(1, runs.size(), host + ": switch-to-configuration runs " + runs);
        FixtureSwitch run = runs.get(0);
        assertEquals("switch", run.goal(), host + ": " + run);
        assertEquals(path, run.path(), host + ": " + run);
        assertEquals(Integer.valueOf(0), run.exitCode(), host + ": " + run);
    }

    private static String sshdPid(String host) {
        return hosts.console(host, "systemctl show -P MainPID ssh.service");
    }

    private static String awaitDesired(String host, String sha) {
        await().atMost(CONVERGE).until(() -> sha.equals(host(host).getString("desired.commit")));
        return host(host).getString("desired.path");
    }

    private static void awaitInSync(List<String> names, String sha) {
        await().atMost(CONVERGE).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
            for (String host : names) {
                JsonPath h = host(host);
                assertEquals("InSync", h.getString("state"), host + ": " + h.getString("message"));
                assertEquals(sha, h.getString("desired.commit"), host + " desired commit");
            }
        });
    }

    private static JsonPath host(String name) {
        return app.api().get("/api/v1/hosts/" + name).then().statusCode(200).extract().jsonPath();
    }
}
