package dev.driftless.host.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.driftless.config.DriftlessConfig;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * From the keys a user writes to the checks each host runs, read through the real configuration
 * mapping, one row per rule: defaults, fleet checks, overrides, turning one off, the legacy key,
 * and the configurations that must stop the start.
 */
class CheckListsTest {

    private static final Duration DEFAULT = Duration.ofMinutes(2);

    static Stream<Arguments> configurations() {
        HealthCheck.Command legacy = new HealthCheck.Command("health-check", "test -e /run/current-system", DEFAULT);
        HealthCheck.Url api = new HealthCheck.Url("api", URI.create("https://web1/healthz"), null, DEFAULT);
        return Stream.of(
                Arguments.of("no check unless one is configured, on machines and directory hosts alike",
                        Map.of(), List.of()),
                Arguments.of("the legacy per-host command is the check named health-check",
                        Map.of("driftless.hosts.web1.health-check", "test -e /run/current-system"), List.of(legacy)),
                Arguments.of("the legacy fleet command applies to every host",
                        Map.of("driftless.deploy.health-check", "test -e /run/current-system"), List.of(legacy)),
                Arguments.of("none on a host turns the fleet's legacy command off",
                        Map.of("driftless.deploy.health-check", "false", "driftless.hosts.web1.health-check", "none"), List.of()),
                Arguments.of("none on the fleet is no check",
                        Map.of("driftless.deploy.health-check", "none"), List.of()),
                Arguments.of("a url check, with the fleet's timeout",
                        Map.of("driftless.hosts.web1.checks.api.url", "https://web1/healthz"), List.of(api)),
                Arguments.of("a units check with its own timeout, and an expected status",
                        Map.of("driftless.hosts.web1.checks.core.units", "nginx.service,postgresql.service",
                                "driftless.hosts.web1.checks.core.timeout", "30s",
                                "driftless.hosts.web1.checks.ready.url", "http://web1:8080/ready",
                                "driftless.hosts.web1.checks.ready.expected-status", "204"),
                        List.of(new HealthCheck.Units("core", List.of("nginx.service", "postgresql.service"), Duration.ofSeconds(30)),
                                new HealthCheck.Url("ready", URI.create("http://web1:8080/ready"), 204, DEFAULT))),
                Arguments.of("several checks run in the order of their names, fleet and host mixed",
                        Map.of("driftless.deploy.checks.b-smoke.command", "true",
                                "driftless.hosts.web1.checks.a-api.url", "https://web1/healthz",
                                "driftless.hosts.web1.checks.c-core.units", "sshd.service"),
                        List.of(new HealthCheck.Url("a-api", URI.create("https://web1/healthz"), null, DEFAULT),
                                new HealthCheck.Command("b-smoke", "true", DEFAULT),
                                new HealthCheck.Units("c-core", List.of("sshd.service"), DEFAULT))),
                Arguments.of("a host's check of the same name replaces the fleet's whole",
                        Map.of("driftless.deploy.checks.api.url", "https://fleet/healthz",
                                "driftless.deploy.checks.api.timeout", "5s",
                                "driftless.hosts.web1.checks.api.url", "https://web1/healthz"),
                        List.of(api)),
                Arguments.of("enabled=false on a host turns a fleet check off",
                        Map.of("driftless.deploy.checks.api.url", "https://fleet/healthz",
                                "driftless.hosts.web1.checks.api.enabled", "false"),
                        List.of()),
                Arguments.of("deploy.health-check-timeout is the default of every check",
                        Map.of("driftless.deploy.health-check-timeout", "7s", "driftless.hosts.web1.checks.api.url", "https://web1/healthz"),
                        List.of(new HealthCheck.Url("api", URI.create("https://web1/healthz"), null, Duration.ofSeconds(7)))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("configurations")
    void eachHostGetsTheChecksItsConfigurationSays(String rule, Map<String, String> keys, List<HealthCheck> expected) {
        assertEquals(expected, CheckLists.forFleet(config(keys)).get("web1"), rule);
    }

    static Stream<Arguments> refusals() {
        return Stream.of(
                Arguments.of(Map.of("driftless.hosts.web1.checks.api.url", "https://web1/healthz", "driftless.hosts.web1.checks.api.units", "a.service"),
                        "driftless.hosts.web1.checks.api: set exactly one of command, url and units, not url and units"),
                Arguments.of(Map.of("driftless.hosts.web1.checks.api.timeout", "5s"),
                        "driftless.hosts.web1.checks.api: set exactly one of command, url and units, or enabled=false"),
                Arguments.of(Map.of("driftless.deploy.checks.smoke.command", "true", "driftless.deploy.checks.smoke.url", "http://x/"),
                        "driftless.deploy.checks.smoke: set exactly one of command, url and units, not command and url"),
                Arguments.of(Map.of("driftless.hosts.web1.checks.api.url", "ftp://web1/healthz"),
                        "driftless.hosts.web1.checks.api.url: 'ftp://web1/healthz' is not an http or https URL"),
                Arguments.of(Map.of("driftless.hosts.web1.checks.api.url", "https://web1/health z"),
                        "driftless.hosts.web1.checks.api.url: 'https://web1/health z' is not a URL"),
                Arguments.of(Map.of("driftless.hosts.web1.checks.core.units", "sshd.service", "driftless.hosts.web1.checks.core.expected-status", "200"),
                        "driftless.hosts.web1.checks.core.expected-status: only a url check answers with a status"),
                Arguments.of(Map.of("driftless.hosts.web1.checks.api.url", "https://web1/", "driftless.hosts.web1.checks.api.expected-status", "42"),
                        "driftless.hosts.web1.checks.api.expected-status: 42 is not an HTTP status"),
                Arguments.of(Map.of("driftless.hosts.web1.checks.core.units", "sshd.service,evil'unit"),
                        "driftless.hosts.web1.checks.core.units: 'evil'unit' is not a unit name"),
                Arguments.of(Map.of("driftless.hosts.web1.checks.smoke.command", "true", "driftless.hosts.web1.checks.smoke.timeout", "0s"),
                        "driftless.hosts.web1.checks.smoke.timeout: must be more than zero"),
                Arguments.of(Map.of("driftless.hosts.web1.health-check", "true", "driftless.hosts.web1.checks.health-check.command", "false"),
                        "driftless.hosts.web1.health-check and driftless.hosts.web1.checks.health-check both set the check health-check"));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("refusals")
    void aWrongCheckStopsTheStartNamingTheHostTheCheckAndTheFields(Map<String, String> keys, String expected) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CheckLists.forFleet(config(keys)));
        assertTrue(e.getMessage().startsWith("refusing to start with a bad health check: "), e.getMessage());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("credentialUrls")
    void aRefusedUrlIsShownWithoutItsCredentials(String url, String secret) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CheckLists.forFleet(config(Map.of("driftless.hosts.web1.checks.api.url", url))));
        assertFalse(e.getMessage().contains(secret), e.getMessage());
        assertTrue(e.getMessage().contains("driftless.hosts.web1.checks.api.url"), e.getMessage());
    }

    static Stream<Arguments> credentialUrls() {
        return Stream.of(Arguments.of("ftp://ops:hunter2secret@web1/", "hunter2secret"),
                Arguments.of("https://tok3nvalue@web1/ bad", "tok3nvalue"));
    }

    @org.junit.jupiter.api.Test
    void everyWrongCheckOfEveryHostIsNamedAtOnce() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CheckLists.forFleet(config(Map.of(
                "driftless.hosts.db1.target", "local:/srv/db1",
                "driftless.hosts.db1.checks.pg.units", "",
                "driftless.hosts.web1.checks.api.url", "https://web1/", "driftless.hosts.web1.checks.api.command", "true"))));
        assertTrue(e.getMessage().startsWith("refusing to start with bad health checks: "), e.getMessage());
        assertTrue(e.getMessage().contains("driftless.hosts.db1.checks.pg: set exactly one"), e.getMessage());
        assertTrue(e.getMessage().contains("driftless.hosts.web1.checks.api: set exactly one"), e.getMessage());
    }

    private static DriftlessConfig config(Map<String, String> keys) {
        Map<String, String> all = new HashMap<>(Map.of("driftless.git.url", "file:///srv/fleet", "driftless.hosts.web1.target", "local:/srv/web1"));
        all.putAll(keys);
        // Quarkus's converter, so that durations read as they do in application.properties ("30s").
        SmallRyeConfig config = new SmallRyeConfigBuilder().withMapping(DriftlessConfig.class)
                .withConverter(Duration.class, 200, new DurationConverter())
                .withSources(new PropertiesConfigSource(all, "test", 500)).build();
        return config.getConfigMapping(DriftlessConfig.class);
    }
}
