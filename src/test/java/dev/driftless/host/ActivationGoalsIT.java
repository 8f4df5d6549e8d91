package dev.driftless.host;

import static io.restassured.RestAssured.given;
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
 * Never surprised by a reboot: a host whose goal is {@code boot} gets the generation as its boot
 * default and runs it after a reboot; a new kernel is reported as needing a reboot; a generation
 * NixOS will not switch to live is staged for the next boot instead of failing. Hosts that boot
 * systemd, rebooted by restarting their containers; tests in order.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ActivationGoalsIT {

    private static final Duration CONVERGE = Duration.ofSeconds(120);

    private static FleetFixture repo;
    private static SystemdFleet hosts;
    private static DriftlessProcess app;

    @BeforeAll
    static void start() {
        assumeTrue(SystemdFleet.canRun(), "systemd host tests need root, systemd-nspawn and debootstrap; CI runs as root");
        repo = new FleetFixture(Path.of("src/test/fleets/systemd"), List.of("boot1", "kern1", "inh1", "test1"));
        hosts = new SystemdFleet(List.of("boot1", "kern1", "inh1", "test1"));
        Map<String, String> config = hosts.controllerConfig(repo);
        config.put("driftless.hosts.boot1.goal", "boot");
        config.put("driftless.hosts.test1.goal", "test");
        config.put("driftless.hosts.test1.confirm-timeout", "8s");
        config.put("driftless.reconcile.interval", "3s");
        config.put("driftless.ssh.connect-timeout", "3s");
        config.put("driftless.api.token", "activation-goals-it-" + UUID.randomUUID());
        app = DriftlessProcess.start(config, "activation-goals");
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
    void aBootHostTakesEachGenerationAsItsBootDefaultAndRunsItAfterAReboot() {
        awaitState("boot1", repo.head(), "InSync");
        String first = host("boot1").getString("desired.path");
        assertEquals(null, hosts.currentSystem("boot1"), "nothing was activated");
        assertEquals(first, hosts.bootDefault("boot1"));
        hosts.reboot("boot1");
        awaitRunning("boot1", first);

        String previous = hosts.currentSystem("boot1");
        int generation = hosts.generation("boot1");
        String sha = repo.commit("hosts/boot1.nix", "{ motd = \"boot1: next\"; services = [ \"nginx\" ]; }\n", "boot1: next");
        awaitState("boot1", sha, "InSync");
        JsonPath h = host("boot1");
        String next = h.getString("desired.path");
        assertTrue(h.getBoolean("rebootRequired"), h.prettify());
        assertTrue(h.getString("message").contains("after the next reboot"), h.getString("message"));
        assertEquals(next, h.getString("boot.bootDefault"));
        assertEquals(previous, h.getString("actual.path"), "the API says what runs");
        assertEquals(generation + 1, hosts.generation("boot1"), "the profile has the new generation");
        assertEquals(next, hosts.bootDefault("boot1"), "the boot loader's default is the new generation");
        assertEquals(previous, hosts.currentSystem("boot1"), "/run/current-system did not change");
        assertTrue(hosts.switches("boot1").stream().noneMatch(s -> s.path().equals(next) && !s.goal().equals("boot")),
                "only `switch-to-configuration boot` ran for it: " + hosts.switches("boot1"));

        hosts.reboot("boot1");
        awaitRunning("boot1", next);
        assertEquals(next, host("boot1").getString("lastApplied.path"), "checked and confirmed once it ran");
    }

    @Test
    @Order(2)
    void aGenerationWithANewKernelNeedsARebootUntilTheHostBootsIt() {
        awaitState("kern1", repo.head(), "InSync");
        assertEquals("0.0", rebootGauge("kern1"));
        String sha = repo.commit("hosts/kern1.nix", "{ motd = \"kern1: 6.6\"; services = [ \"nginx\" ]; kernel = \"6.6.0-driftless\"; }\n",
                "kern1: a new kernel");
        awaitState("kern1", sha, "InSync");
        String desired = host("kern1").getString("desired.path");
        assertEquals(desired, hosts.currentSystem("kern1"), "switched live");
        await().atMost(CONVERGE).untilAsserted(() -> assertTrue(host("kern1").getBoolean("rebootRequired"), host("kern1").prettify()));
        assertEquals("1.0", rebootGauge("kern1"));
        assertNotEquals(desired, host("kern1").getString("boot.booted"));

        hosts.reboot("kern1");
        awaitRunning("kern1", desired);
        assertEquals(desired, hosts.bootedSystem("kern1"));
        assertEquals("0.0", rebootGauge("kern1"));
    }

    @Test
    @Order(3)
    void aGenerationNixOSWillNotSwitchToLiveIsStagedForTheNextBootInsteadOfFailing() {
        awaitState("inh1", repo.head(), "InSync");
        String previous = hosts.currentSystem("inh1");
        String sha = repo.commit("hosts/inh1.nix", "{ motd = \"inh1: new systemd\"; services = [ \"nginx\" ]; inhibitors = \"systemd 256\"; }\n",
                "inh1: a new systemd");
        awaitState("inh1", sha, "OutOfSync");
        JsonPath h = host("inh1");
        String desired = h.getString("desired.path");
        await().atMost(CONVERGE).untilAsserted(() -> assertTrue(host("inh1").getBoolean("rebootRequired"), host("inh1").prettify()));
        assertTrue(host("inh1").getString("message").contains("switch-inhibitors"), host("inh1").getString("message"));
        assertEquals("succeeded", host("inh1").getString("lastDeployment.result"), "not a failure");
        assertEquals(previous, hosts.currentSystem("inh1"));
        assertEquals(desired, hosts.bootDefault("inh1"));
        List<FixtureSwitch> runs = hosts.switches("inh1").stream().filter(s -> s.path().equals(desired)).toList();
        assertEquals(List.of("boot"), runs.stream().map(FixtureSwitch::goal).toList(), "never a live switch to it: " + runs);

        hosts.reboot("inh1");
        awaitRunning("inh1", desired);
        assertFalse(host("inh1").getBoolean("rebootRequired"));
    }

    @Test
    @Order(4)
    void aTestHostActivatesEachGenerationWithoutTouchingItsProfileAndItsGuardReturnsItTheSameWay() {
        awaitState("test1", repo.head(), "InSync");
        assertEquals(host("test1").getString("desired.path"), hosts.currentSystem("test1"));
        assertEquals(0, hosts.generation("test1"), "the profile was never set");
        String sha = repo.commit("hosts/test1.nix", "{ motd = \"test1: tried\"; services = [ \"nginx\" ]; }\n", "test1: tried");
        awaitState("test1", sha, "InSync");
        String good = host("test1").getString("desired.path");
        assertEquals(good, hosts.currentSystem("test1"));
        assertEquals(0, hosts.generation("test1"), "still no profile generation");
        assertTrue(hosts.switches("test1").stream().filter(s -> s.path().equals(good)).allMatch(s -> s.goal().equals("test")),
                hosts.switches("test1").toString());

        String bad = repo.commit("hosts/test1.nix", "{ motd = \"test1: locked\"; services = [ \"nginx\" ]; dropNewSsh = true; }\n",
                "test1: a firewall that drops new ssh connections");
        await().atMost(CONVERGE).untilAsserted(() -> {
            JsonPath h = host("test1");
            assertEquals(bad, h.getString("lastDeployment.commit"), h.prettify());
            assertEquals("rolled_back", h.getString("lastDeployment.result"));
            assertEquals("lost-connectivity", h.getString("lastDeployment.reason"));
        });
        assertEquals(good, hosts.currentSystem("test1"), "the guard activated the generation before, with test");
        assertEquals(0, hosts.generation("test1"), "and left the profile alone");
        assertEquals("ok", hosts.ssh("test1", "echo ok"), "new logins work again");
    }

    /** The host runs {@code path}, Driftless says so and calls it InSync with nothing waiting for a reboot. */
    private static void awaitRunning(String name, String path) {
        await().atMost(CONVERGE).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
            JsonPath h = host(name);
            assertEquals("InSync", h.getString("state"), name + ": " + h.getString("message"));
            assertEquals(path, h.getString("actual.path"));
            assertFalse(h.getBoolean("rebootRequired"), h.prettify());
        });
        assertEquals(path, hosts.currentSystem(name));
    }

    private static String rebootGauge(String name) {
        String metrics = given().baseUri(app.url()).get("/q/metrics").then().statusCode(200).extract().asString();
        return metrics.lines().filter(l -> l.startsWith("driftless_host_reboot_required{host=\"" + name + "\"}"))
                .map(l -> l.substring(l.lastIndexOf(' ') + 1)).findFirst().orElse("absent");
    }

    private static void awaitState(String name, String sha, String state) {
        await().atMost(CONVERGE).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
            JsonPath h = host(name);
            assertEquals(sha, h.getString("desired.commit"), name + " desired commit");
            assertEquals(state, h.getString("state"), name + ": " + h.getString("message"));
        });
    }

    private static JsonPath host(String name) {
        return app.api().get("/api/v1/hosts/" + name).then().statusCode(200).extract().jsonPath();
    }
}
