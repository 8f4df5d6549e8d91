package dev.driftless.host;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.driftless.testing.DriftlessProcess;
import dev.driftless.testing.FixtureSwitch;
import dev.driftless.testing.FleetFixture;
import dev.driftless.testing.SystemdFleet;
import io.restassured.path.json.JsonPath;
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
 * The packaged jar deploying over SSH to hosts that boot a real systemd (systemd-nspawn
 * containers) with generations that behave like NixOS's (src/test/fleets/systemd). The tests
 * share one booted fleet and run in order.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SystemdFleetIT {

    private static final List<String> HOSTS = List.of("web1", "web2", "db1");
    /** Generous: the machine may be busy with other builds, and nothing here measures speed. */
    private static final Duration CONVERGE = Duration.ofMinutes(3);
    private static final String API_TOKEN = "test-token-for-systemd-fleet-" + UUID.randomUUID();

    private static FleetFixture repo;
    private static SystemdFleet hosts;
    private static DriftlessProcess app;

    @BeforeAll
    static void start() {
        assumeTrue(SystemdFleet.canRun(),
                "systemd fleet tests need root, systemd-nspawn, debootstrap, nsenter and ss to boot hosts in containers; scripts/test.sh installs them");
        repo = new FleetFixture(FleetFixture.SYSTEMD_FLEET, HOSTS);
        hosts = new SystemdFleet(HOSTS);
        System.out.printf("SystemdFleetIT: %d systemd hosts booted in %.1f s%n", HOSTS.size(), hosts.bootSeconds());
        Map<String, String> config = hosts.controllerConfig(repo);
        config.put("driftless.reconcile.interval", "3s");
        config.put("driftless.ssh.connect-timeout", "3s");
        config.put("driftless.api.token", API_TOKEN);
        app = DriftlessProcess.start(config, "systemd-fleet");
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
    void commitConvergesThreeSystemdHostsEachOnTheCommittedSystemAfterOneSwitch() {
        awaitInSync(repo.head());
        JsonPath all = hostsJson();
        for (String host : HOSTS) {
            String desired = all.getString(at(host) + ".desired.path");
            assertEquals(desired, hosts.currentSystem(host), host + ": /run/current-system on the host");
            assertEquals(desired, all.getString(at(host) + ".actual.path"), host + ": the actual path Driftless reports");
            assertEquals(1, hosts.generation(host), host + ": system profile generation");
            assertOneSwitch(host, hosts.switches(host), desired);
            String service = host.startsWith("web") ? "nginx.service" : "postgresql.service";
            assertEquals("active", hosts.console(host, "systemctl is-active \"$1\" || true", service), host + ": " + service);
        }
    }

    @Test
    @Order(2)
    void generationThatRestartsSshdConverges() {
        String sshdBefore = sshdPid("web1");
        int runsBefore = hosts.switches("web1").size();
        String sha = repo.commit("hosts/web1.nix", "{ motd = \"web1: new sshd settings\"; services = [ \"nginx\" ]; restartSshd = true; }\n",
                "web1: new sshd settings");
        awaitInSync(sha);
        String desired = hostsJson().getString(at("web1") + ".desired.path");
        assertEquals(desired, hosts.currentSystem("web1"));
        List<FixtureSwitch> runs = hosts.switches("web1");
        assertOneSwitch("web1", runs.subList(runsBefore, runs.size()), desired);
        assertNotEquals(sshdBefore, sshdPid("web1"), "the switch restarted ssh.service");
        assertEquals("web1", hosts.ssh("web1", "hostname"), "new ssh logins work after the restart");
    }

    private static void assertOneSwitch(String host, List<FixtureSwitch> runs, String path) {
        assertEquals(1, runs.size(), host + ": switch-to-configuration runs " + runs);
        FixtureSwitch run = runs.get(0);
        assertEquals("switch", run.goal(), host + ": " + run);
        assertEquals(path, run.path(), host + ": " + run);
        assertEquals(0, run.exitCode(), host + ": " + run);
    }

    private static String sshdPid(String host) {
        return hosts.console(host, "systemctl show -P MainPID ssh.service");
    }

    private static void awaitInSync(String sha) {
        await().atMost(CONVERGE).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            JsonPath all = hostsJson();
            for (String host : HOSTS) {
                assertEquals("InSync", all.getString(at(host) + ".state"), host + ": " + all.getString(at(host) + ".message"));
                assertEquals(sha, all.getString(at(host) + ".desired.commit"), host + " desired commit");
            }
        });
    }

    private static String at(String host) {
        return "find { it.name == '" + host + "' }";
    }

    private static JsonPath hostsJson() {
        return app.api().get("/api/v1/hosts").then().statusCode(200).extract().jsonPath();
    }
}
