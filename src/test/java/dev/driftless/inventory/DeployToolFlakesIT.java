package dev.driftless.inventory;

import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
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
 * Fleets written for deploy-rs and for Colmena, deployed as they are to SSH hosts in network
 * namespaces: the controller is told how to reach SSH (its key, the pinned host keys) and nothing
 * about any host. The flakes need no nixpkgs; what deploy-rs and Colmena would evaluate beyond the
 * connection settings throws, to show that it is never touched.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DeployToolFlakesIT {

    private static final List<String> HOSTS = List.of("web1", "db1");
    private static final Duration CONVERGE = Duration.ofSeconds(120);

    private static FleetFixture repo;
    private static NamespaceFleet hosts;
    private static DriftlessProcess app;

    @BeforeAll
    static void start() {
        assumeTrue(NamespaceFleet.canRun(), "deploy-rs and Colmena fleets are deployed to network-namespace SSH hosts, which need root and sshd; CI runs as root");
        repo = new FleetFixture(HOSTS);
        hosts = new NamespaceFleet(HOSTS);
        Map<String, String> config = hosts.controllerConfig(repo);
        config.keySet().removeIf(k -> k.startsWith("driftless.hosts."));
        config.put("driftless.reconcile.interval", "3s");
        app = DriftlessProcess.start(config, "deploy-tool-flakes");
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
    void aDeployRsFlakeIsDeployedWithNoHostInConfiguration() {
        String sha = repo.commit("flake.nix", flake("""
                deploy.sshUser = "root";
                deploy.nodes = builtins.mapAttrs (name: ip: {
                  hostname = ip;
                  sshOpts = [ "-p" "22" "-o" "StrictHostKeyChecking=no" ];
                  profiles.system = {
                    user = "root";
                    path = throw "deploy-rs's activation script is not evaluated by Driftless";
                  };
                }) ips;
                """), "deploy-rs fleet");
        awaitInSync(sha);
        app.api().get("/api/v1/commits").then().body("[0].inventory", equalTo("deploy-rs"));
        JsonPath web1 = app.api().get("/api/v1/hosts/web1").then().extract().jsonPath();
        assertEquals("ssh://root@" + hosts.ip("web1") + ":22", web1.getString("target"));
        assertEquals("flake:deploy-rs", web1.getString("settingsFrom.target"));
        for (String host : HOSTS) {
            assertEquals(web1.getString("desired.path") == null ? null : app.api().get("/api/v1/hosts/" + host).then().extract().path("desired.path"),
                    hosts.currentSystem(host), host + " runs the committed path");
            assertEquals(1, hosts.generation(host));
        }
    }

    @Test
    @Order(2)
    void aColmenaHiveIsDeployedWithNoHostInConfiguration() {
        String sha = repo.commit(Map.of("hosts/web1.nix", "{ motd = \"web1, now from a Colmena hive\"; }\n", "flake.nix", flake("""
                colmena = {
                  meta.nixpkgs = throw "the hive's nixpkgs is not imported by Driftless";
                  defaults = { pkgs, ... }: { deployment.targetUser = "root"; };
                } // builtins.mapAttrs (name: ip: { name, nodes, pkgs, ... }: {
                  deployment = { targetHost = ip; targetPort = 22; tags = [ "colmena" name ]; };
                  environment.systemPackages = [ pkgs.hello ];
                }) ips;
                """)), "the same fleet as a Colmena hive; web1 changes");
        awaitInSync(sha);
        app.api().get("/api/v1/commits").then().body("[0].inventory", equalTo("colmena"));
        app.api().get("/api/v1/hosts/web1").then().body("tags", equalTo(List.of("colmena", "web1")))
                .body("settingsFrom.target", equalTo("flake:colmena"));
        assertEquals(2, hosts.generation("web1"), "web1's configuration changed: deployed");
        assertEquals(1, hosts.generation("db1"), "db1's did not: left alone");
        assertEquals(app.api().get("/api/v1/hosts/web1").then().extract().path("desired.path"), hosts.currentSystem("web1"));
    }

    /** A flake with one configuration per host file, the hosts' addresses as {@code ips}, and {@code outputs} beside them. */
    private static String flake(String outputs) {
        StringBuilder ips = new StringBuilder();
        HOSTS.forEach(h -> ips.append(h).append(" = \"").append(hosts.ip(h)).append("\"; "));
        return """
                {
                  outputs = { self }:
                    let
                      mkHost = import ./lib/mk-host.nix;
                      ips = { %s};
                    in {
                      nixosConfigurations = builtins.mapAttrs (name: _: mkHost ({ inherit name; } // removeAttrs (import (./hosts + "/${name}.nix")) [ "deploy" ])) ips;
                %s
                    };
                }
                """.formatted(ips, outputs.indent(6));
    }

    private static void awaitInSync(String sha) {
        await().atMost(CONVERGE).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
            JsonPath all = app.api().get("/api/v1/hosts").then().statusCode(200).extract().jsonPath();
            for (String host : HOSTS) {
                assertEquals("InSync", all.getString("find { it.name == '" + host + "' }.state"), host + ": " + all.prettify());
                assertEquals(sha, all.getString("find { it.name == '" + host + "' }.desired.commit"), host);
            }
        });
    }
}
