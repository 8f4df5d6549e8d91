package dev.driftless.host.drift;

import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.driftless.testing.DriftlessProcess;
import dev.driftless.testing.FleetFixture;
import dev.driftless.testing.SystemdFleet;
import io.restassured.path.json.JsonPath;
import java.nio.file.Path;
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
 * Deep drift on hosts that boot a real systemd and lay out /etc as NixOS does (/etc/static and
 * links into it): a hand-edited /etc file and a stopped unit are found at the next observation,
 * named, and, where the policy heals, put right by re-activating the generation. web1 reports,
 * web2 heals. One booted fleet, tests in order.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SystemdDriftIT {

    private static final Duration WAIT = Duration.ofSeconds(120);

    private static FleetFixture repo;
    private static SystemdFleet hosts;
    private static DriftlessProcess app;

    @BeforeAll
    static void start() {
        assumeTrue(SystemdFleet.canRun(), "systemd host tests need root, systemd-nspawn and debootstrap; CI runs as root");
        repo = new FleetFixture(Path.of("src/test/fleets/systemd"), List.of("web1", "web2"));
        hosts = new SystemdFleet(List.of("web1", "web2"));
        Map<String, String> config = hosts.controllerConfig(repo);
        config.put("driftless.hosts.web2.drift.etc", "heal");
        config.put("driftless.hosts.web2.drift.units", "heal");
        config.put("driftless.reconcile.interval", "2s");
        config.put("driftless.reconcile.store-check-interval", "4s");
        app = DriftlessProcess.start(config, "systemd-drift");
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
    void aFreshGenerationHasCleanChecksAndItsEtcIsLinkedAsNixosLinksIt() {
        for (String host : List.of("web1", "web2")) {
            await().atMost(WAIT).untilAsserted(() -> app.api().get("/api/v1/hosts/" + host).then()
                    .body("state", equalTo("InSync")).body("drift.etc.status", equalTo("clean")).body("drift.units.status", equalTo("clean")));
            assertEquals("/etc/static/motd", hosts.ssh(host, "readlink /etc/motd").strip());
        }
        app.api().get("/api/v1/hosts/web1").then().body("drift.etc.policy", equalTo("report"));
        app.api().get("/api/v1/hosts/web2").then().body("drift.etc.policy", equalTo("heal"));
    }

    @Test
    @Order(2)
    void aManagedEtcFileReplacedByHandIsReportedNamingTheFile() {
        hosts.ssh("web1", "rm /etc/motd && echo 'edited by hand' > /etc/motd");
        await().atMost(WAIT).untilAsserted(() -> app.api().get("/api/v1/hosts/web1").then()
                .body("state", equalTo("OutOfSync")).body("driftCause", equalTo("etc"))
                .body("drift.etc.status", equalTo("drift"))
                .body("drift.etc.evidence", hasItem("/etc/motd was replaced by a regular file"))
                .body("message", containsString("/etc/motd")));
        assertEquals("edited by hand", hosts.ssh("web1", "cat /etc/motd").strip(), "report touches nothing");
        JsonPath incidents = app.api().get("/api/v1/incidents?host=web1").then().extract().jsonPath();
        assertEquals("etc", incidents.getString("[0].cause"));
        assertEquals(null, incidents.getString("[0].closedAt"));
        String metrics = io.restassured.RestAssured.get(app.url() + "/q/metrics").asString();
        assertTrue(metrics.contains("driftless_host_drift_check{check=\"etc\",host=\"web1\"} 1.0"), metrics);
        assertTrue(metrics.contains("driftless_host_drift_check{check=\"etc\",host=\"web2\"} 0.0"), metrics);
    }

    @Test
    @Order(3)
    void withHealTheFileIsRestoredByReactivationAndTheIncidentClosesWithItsRecoveryTime() {
        int generation = hosts.generation("web2");
        hosts.ssh("web2", "rm /etc/motd && echo 'edited by hand' > /etc/motd");
        await().atMost(WAIT).untilAsserted(() -> {
            JsonPath incidents = app.api().get("/api/v1/incidents?host=web2").then().extract().jsonPath();
            assertEquals("etc", incidents.getString("[0].cause"));
            assertTrue(incidents.getString("[0].closedAt") != null, incidents.prettify());
        });
        assertEquals("/etc/static/motd", hosts.ssh("web2", "readlink /etc/motd").strip(), "the link is back");
        assertEquals("web2", hosts.ssh("web2", "cat /etc/motd").strip());
        assertEquals(generation, hosts.generation("web2"), "re-activation makes no new generation");
        app.api().get("/api/v1/hosts/web2").then().body("state", equalTo("InSync")).body("drift.etc.status", equalTo("clean"));
        assertTrue(io.restassured.RestAssured.get(app.url() + "/q/metrics").asString()
                .contains("driftless_recovery_seconds_count"), "the recovery is measured");
    }

    @Test
    @Order(4)
    void aStoppedUnitTheGenerationWantsIsStartedAgainUnderHeal() {
        hosts.ssh("web2", "systemctl stop nginx.service");
        await().atMost(WAIT).untilAsserted(() -> {
            JsonPath incidents = app.api().get("/api/v1/incidents?host=web2").then().extract().jsonPath();
            assertEquals("units", incidents.getString("[0].cause"));
            assertTrue(incidents.getString("[0].closedAt") != null, incidents.prettify());
        });
        assertEquals("active", hosts.ssh("web2", "systemctl is-active nginx.service").strip());
        assertTrue(app.api().get("/api/v1/hosts/web2/history").then().extract().jsonPath().getList("cause").contains("units"));
    }

    @Test
    @Order(5)
    void aStoppedUnitIsReportedAsUnitsDriftWhereThePolicyReports() {
        hosts.ssh("web1", "rm -f /etc/motd && ln -s /etc/static/motd /etc/motd && systemctl stop nginx.service");
        await().atMost(WAIT).untilAsserted(() -> app.api().get("/api/v1/hosts/web1").then()
                .body("state", equalTo("OutOfSync")).body("driftCause", equalTo("units"))
                .body("drift.etc.status", equalTo("clean"))
                .body("drift.units.evidence", hasItem("nginx.service is inactive")));
        assertEquals("inactive", hosts.ssh("web1", "systemctl is-active nginx.service || true").strip());
    }

    @Test
    @Order(6)
    void aModifiedStorePathOfTheRunningGenerationIsReportedAsStoreDriftAndClearsOnceRepaired() {
        awaitInSync("web2");
        String file = hosts.ssh("web2", "readlink -f /etc/static/motd").strip();
        String storePath = file.substring(0, file.indexOf('/', "/nix/store/".length()) < 0 ? file.length() : file.indexOf('/', "/nix/store/".length()));
        hosts.ssh("web2", "cp " + file + " /root/motd.orig && chmod u+w " + file + " && echo 'flipped bits' >> " + file);
        await().atMost(WAIT).untilAsserted(() -> app.api().get("/api/v1/hosts/web2").then()
                .body("state", equalTo("OutOfSync")).body("driftCause", equalTo("store"))
                .body("drift.store.status", equalTo("drift"))
                .body("drift.store.evidence[0]", containsString(storePath + " was modified")));
        assertTrue(hosts.ssh("web2", "cat " + file).contains("flipped bits"), "re-activation does not touch the store: report only");
        JsonPath incidents = app.api().get("/api/v1/incidents?host=web2").then().extract().jsonPath();
        assertEquals("store", incidents.getString("[0].cause"));
        assertTrue(io.restassured.RestAssured.get(app.url() + "/q/metrics").asString()
                .contains("driftless_host_drift_check{check=\"store\",host=\"web2\"} 1.0"));

        hosts.ssh("web2", "cat /root/motd.orig > " + file + " && chmod a-w " + file);
        awaitInSync("web2");
        app.api().get("/api/v1/hosts/web2").then().body("drift.store.status", equalTo("clean"));
        assertTrue(app.api().get("/api/v1/incidents?host=web2").then().extract().jsonPath().getString("[0].closedAt") != null);
    }

    @Test
    @Order(7)
    void aPackageInstalledByHandIntoRootsProfileIsShownButLeavesTheHostInSync() {
        awaitInSync("web2");
        String pkg = hosts.ssh("web2", "readlink -f /etc/static/motd").strip();
        pkg = pkg.substring(0, pkg.indexOf('/', "/nix/store/".length()) < 0 ? pkg.length() : pkg.indexOf('/', "/nix/store/".length()));
        hosts.ssh("web2", "nix-env -p /nix/var/nix/profiles/default -i " + pkg + " 2>&1");
        String name = pkg.substring("/nix/store/".length() + 33);
        await().atMost(WAIT).untilAsserted(() -> app.api().get("/api/v1/hosts/web2").then()
                .body("drift.profiles.status", equalTo("drift"))
                .body("drift.profiles.evidence[0]", containsString("/nix/var/nix/profiles/default holds " + name)));
        app.api().get("/api/v1/hosts/web2").then().body("state", equalTo("InSync")).body("drift.reboot.status", equalTo("clean"));
        app.api().get("/api/v1/hosts/web2/history").then()
                .body("find { it.cause == 'profiles' }.message", containsString("information: profiles: /nix/var/nix/profiles/default holds " + name))
                .body("find { it.cause == 'profiles' }.state", equalTo("InSync"));
    }

    private static void awaitInSync(String host) {
        await().atMost(WAIT).untilAsserted(() -> app.api().get("/api/v1/hosts/" + host).then().body("state", equalTo("InSync")));
    }
}
