package dev.driftless.inventory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.driftless.config.DriftlessConfig;
import dev.driftless.host.Goal;
import dev.driftless.host.transport.HostTarget;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class InventoriesTest {

    private static final List<String> CONFIGS = List.of("web1", "db1", "edge", "api");

    @Test
    void theDriftlessOutputDeclaresHostsAndConfigurationOverridesItFieldByField() {
        DeclaredHosts declared = driftless(Map.of(
                "web1", Map.of("target", "ssh://deploy@198.18.0.2", "sudo", true, "goal", "boot", "tags", List.of("web")),
                "db1", Map.of("target", "ssh://root@198.18.0.3:2222", "confirmTimeout", 45, "policy", "report")));
        Inventory.Resolution r = Inventories.resolve(declared, config(Map.of("driftless.hosts.web1.target", "ssh://ops@198.18.0.9",
                "driftless.hosts.db1.confirm-timeout", "90s")));

        assertEquals(List.of(), r.errors());
        assertEquals("driftless", r.inventory().source());
        HostSettings web1 = r.inventory().hosts().get("web1");
        assertEquals(new HostTarget.Ssh("ops", "198.18.0.9", 22), web1.target());
        assertTrue(web1.sudo());
        assertEquals(Goal.BOOT, web1.goal());
        assertEquals(List.of("web"), web1.tags());
        assertEquals("configuration", web1.from().get("target"));
        assertEquals("flake:driftless", web1.from().get("sudo"));
        assertEquals("default", web1.from().get("confirmTimeout"));
        HostSettings db1 = r.inventory().hosts().get("db1");
        assertEquals(Duration.ofSeconds(90), db1.confirmTimeout());
        assertEquals("configuration", db1.from().get("confirmTimeout"));
        assertFalse(db1.heal());
        assertFalse(db1.sudo());
        assertEquals("default", db1.from().get("sudo"));
    }

    @Test
    void aDeployRsNodeIsReadAsDeployRsReadsIt() {
        DeclaredHosts declared = new DeclaredHosts(DeclaredHosts.DEPLOY_RS, Map.of(
                "web1", Map.of("hostname", "198.18.0.2", "sshOpts", List.of("-p", "2222", "-o", "StrictHostKeyChecking=no"),
                        "profiles", Map.of("system", Map.of("user", "root"))),
                "db1", Map.of("hostname", "db1.lan", "sshUser", "root", "confirmTimeout", 60, "profiles", Map.of("system", Map.of())),
                "edge", Map.of("hostname", "edge.lan", "profiles", Map.of("home", Map.of()))),
                Map.of("sshUser", "deploy"), List.of(), CONFIGS);
        Inventory.Resolution r = Inventories.resolve(declared, config(Map.of()));

        assertEquals(List.of(), r.errors());
        assertEquals(new HostTarget.Ssh("deploy", "198.18.0.2", 2222), r.inventory().hosts().get("web1").target());
        assertTrue(r.inventory().hosts().get("web1").sudo(), "deploy-rs deploys as user through sudo when it is not the ssh user");
        assertEquals(new HostTarget.Ssh("root", "db1.lan", 22), r.inventory().hosts().get("db1").target());
        assertFalse(r.inventory().hosts().get("db1").sudo());
        assertEquals(Duration.ofSeconds(60), r.inventory().hosts().get("db1").confirmTimeout());
        assertFalse(r.inventory().names().contains("edge"), "a node without a system profile is not a NixOS host to deploy");
        assertTrue(r.inventory().notes().stream().anyMatch(n -> n.startsWith("deploy.nodes.web1.sshOpts: 2 option(s) besides the port")),
                r.inventory().notes().toString());
        assertTrue(r.inventory().notes().stream().anyMatch(n -> n.startsWith("deploy.nodes.edge: no profiles.system")), r.inventory().notes().toString());
    }

    @Test
    void aColmenaHiveIsReadWithItsDefaults() {
        DeclaredHosts declared = new DeclaredHosts(DeclaredHosts.COLMENA, Map.of(
                "web1", Map.of("targetHost", "198.18.0.2", "targetPort", 2222, "tags", List.of("web", "eu")),
                "db1", Map.of("targetUser", "ops"),
                "edge", new HashMap<>(Map.of("tags", List.of())) {{ put("targetHost", null); }}),
                Map.of("targetUser", "root"), List.of(), CONFIGS);
        Inventory.Resolution r = Inventories.resolve(declared, config(Map.of()));

        assertEquals(List.of(), r.errors());
        assertEquals(new HostTarget.Ssh("root", "198.18.0.2", 2222), r.inventory().hosts().get("web1").target());
        assertEquals(List.of("web", "eu"), r.inventory().hosts().get("web1").tags());
        assertEquals(new HostTarget.Ssh("ops", "db1", 22), r.inventory().hosts().get("db1").target(), "the node's name is its host by default");
        assertTrue(r.inventory().hosts().get("db1").sudo());
        assertFalse(r.inventory().names().contains("edge"), "targetHost = null is Colmena's local-only node");
    }

    @Test
    void eachKindOfBadInventoryIsNamedByHostAndField() {
        DeclaredHosts declared = driftless(Map.of(
                "web1", Map.of("target", "ssh://root@198.18.0.2", "tagets", List.of()),
                "db1", Map.of("target", "ssh://-oProxyCommand=reboot@db1"),
                "edge", Map.of("target", "ssh://root@198.18.0.5"),
                "api", Map.of("target", "ssh://root@198.18.0.5"),
                "ghost", Map.of("target", "ssh://root@198.18.0.7"),
                "cache1", Map.of("target", "ssh://ops:hunter2@198.18.0.8", "goal", "reboot",
                        "checks", Map.of("api", Map.of("url", "https://bob:s3cret@198.18.0.8/health")))));
        List<String> errors = Inventories.resolve(declared, config(Map.of())).errors();
        String all = String.join("\n", errors);

        assertTrue(all.contains("driftless.hosts.web1.tagets: unknown key"), all);
        assertTrue(all.contains("driftless.hosts.db1.target: target 'ssh://-oProxyCommand=reboot@db1'"), all);
        assertTrue(all.contains("hosts api, edge have the same target ssh://root@198.18.0.5"), all);
        assertTrue(all.contains("driftless.hosts.ghost: there is no nixosConfigurations.ghost in this commit"), all);
        assertTrue(all.contains("driftless.hosts.cache1.target: target 'ssh://ops:***@198.18.0.8' holds a password"), all);
        assertTrue(all.contains("driftless.hosts.cache1.goal: "), all);
        assertTrue(all.contains("driftless.hosts.cache1.checks.api.url: holds credentials"), all);
        assertFalse(all.contains("hunter2") || all.contains("s3cret"), all);
    }

    @Test
    void healIsRefusedForChecksThatReactivationCannotPutRight() {
        DeclaredHosts declared = driftless(Map.of("web1", Map.of("target", "ssh://root@198.18.0.2", "drift", Map.of("store", "heal", "etc", "heal"))));
        Inventory.Resolution r = Inventories.resolve(declared, config(Map.of("driftless.drift.profiles", "heal", "driftless.drift.reboot", "ignore")));
        String all = String.join("\n", r.errors());
        assertTrue(all.contains("driftless.hosts.web1.drift.store: heal is not possible for store"), all);
        assertTrue(all.contains("driftless.drift.profiles: heal is not possible for profiles") && all.contains("it is information"), all);
        assertFalse(all.contains("drift.etc") || all.contains("drift.reboot"), "etc heals, reboot may be ignored: " + all);
    }

    @Test
    void badConfigurationIsNamedByItsKeyAndShowsNoPassword() {
        List<String> errors = Inventories.resolve(DeclaredHosts.NOTHING, config(Map.of(
                "driftless.hosts.db1.target", "ssh://-oProxyCommand=reboot@db1",
                "driftless.hosts.cache1.target", "ssh://ops:hunter2@cache1", "driftless.hosts.web1.target", "local:/srv/web1"))).errors();
        String all = String.join("\n", errors);
        assertTrue(all.contains("driftless.hosts.db1.target: target 'ssh://-oProxyCommand=reboot@db1'"), all);
        assertTrue(all.contains("driftless.hosts.cache1.target: target 'ssh://ops:***@cache1' holds a password"), all);
        assertFalse(all.contains("web1"), "a good target is not blamed: " + all);
        assertFalse(all.contains("hunter2"), all);
    }

    @Test
    void withADefaultTargetEveryConfigurationIsAHostWhenTheFlakeDeclaresNone() {
        Inventory.Resolution r = Inventories.resolve(DeclaredHosts.NOTHING.withConfigurations(CONFIGS),
                config(Map.of("driftless.hosts-default.target", "ssh://root@{name}.lan", "driftless.hosts.web1.target", "local:/srv/web1")));
        assertEquals(List.of(), r.errors());
        assertEquals("nixosConfigurations", r.inventory().source());
        assertEquals(new HostTarget.Ssh("root", "db1.lan", 22), r.inventory().hosts().get("db1").target());
        assertEquals("hosts-default", r.inventory().hosts().get("db1").from().get("target"));
        assertEquals(new HostTarget.Local(Path.of("/srv/web1")), r.inventory().hosts().get("web1").target(), "configuration still overrides");
    }

    @Test
    void withoutADefaultTargetOnlyConfiguredHostsAreManaged() {
        Inventory.Resolution r = Inventories.resolve(DeclaredHosts.NOTHING.withConfigurations(CONFIGS),
                config(Map.of("driftless.hosts.db1.sudo", "true", "driftless.hosts.web1.target", "local:/srv/web1")));
        assertEquals("configuration", r.inventory().source());
        assertEquals(java.util.Set.of("web1"), r.inventory().names());
        assertTrue(r.inventory().notes().contains("driftless.hosts.db1 sets no target and the flake declares no host db1: not managed"),
                r.inventory().notes().toString());
    }

    @Test
    void aHostMissingItsTargetEverywhereIsAnError() {
        List<String> errors = Inventories.resolve(driftless(Map.of("db1", Map.of("sudo", true))), config(Map.of())).errors();
        assertEquals(1, errors.size(), errors.toString());
        assertTrue(errors.get(0).startsWith("driftless.hosts.db1.target: missing"), errors.toString());
    }

    @Test
    void eachDriftCheckTakesItsPolicyFromConfigurationTheFlakeTheFleetThenReport() {
        DeclaredHosts declared = driftless(Map.of(
                "web1", Map.of("target", "ssh://root@198.18.0.2", "drift", Map.of("etc", "heal", "units", "ignore")),
                "db1", Map.of("target", "ssh://root@198.18.0.3")));
        Inventory.Resolution r = Inventories.resolve(declared, config(Map.of("driftless.drift.units", "heal",
                "driftless.hosts.web1.drift.units", "report")));
        assertEquals(List.of(), r.errors());
        HostSettings web1 = r.inventory().hosts().get("web1");
        assertEquals(dev.driftless.host.drift.DriftPolicy.HEAL, web1.drift().get(dev.driftless.host.drift.DriftCheck.ETC));
        assertEquals("flake:driftless", web1.from().get("drift.etc"));
        assertEquals(dev.driftless.host.drift.DriftPolicy.REPORT, web1.drift().get(dev.driftless.host.drift.DriftCheck.UNITS));
        assertEquals("configuration", web1.from().get("drift.units"));
        HostSettings db1 = r.inventory().hosts().get("db1");
        assertEquals(dev.driftless.host.drift.DriftPolicy.REPORT, db1.drift().get(dev.driftless.host.drift.DriftCheck.ETC));
        assertEquals(dev.driftless.host.drift.DriftPolicy.HEAL, db1.drift().get(dev.driftless.host.drift.DriftCheck.UNITS));
    }

    @Test
    void anUnknownDriftCheckOrPolicyIsAnError() {
        List<String> errors = Inventories.resolve(driftless(Map.of("web1", Map.of("target", "ssh://root@198.18.0.2",
                "drift", Map.of("etcetera", "heal", "units", "fix")), "db1", Map.of("target", "ssh://root@198.18.0.3"))),
                config(Map.of("driftless.drift.system", "heal"))).errors();
        String all = String.join("\n", errors);
        assertTrue(all.contains("driftless.hosts.web1.drift.etcetera: no such drift check"), all);
        assertTrue(all.contains("driftless.hosts.web1.drift.units: 'fix' is not heal, report or ignore"), all);
        assertTrue(all.contains("driftless.drift.system: no such drift check"), all);
        assertEquals(1, errors.stream().filter(e -> e.startsWith("driftless.drift.system")).count(), "a fleet setting is named once: " + all);
    }

    private static DeclaredHosts driftless(Map<String, Map<String, Object>> hosts) {
        return new DeclaredHosts(DeclaredHosts.DRIFTLESS, hosts, Map.of(), List.of(), CONFIGS);
    }

    private static DriftlessConfig config(Map<String, String> keys) {
        Map<String, String> all = new HashMap<>(Map.of("driftless.git.url", "file:///srv/fleet"));
        all.putAll(keys);
        SmallRyeConfig config = new SmallRyeConfigBuilder().withMapping(DriftlessConfig.class)
                .withConverter(Duration.class, 200, new DurationConverter())
                .withSources(new PropertiesConfigSource(all, "test", 500)).build();
        return config.getConfigMapping(DriftlessConfig.class);
    }
}
