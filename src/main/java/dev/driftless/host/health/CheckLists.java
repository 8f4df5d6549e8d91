package dev.driftless.host.health;

import dev.driftless.config.DriftlessConfig;
import dev.driftless.secret.Redaction;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Each host's health checks, from configuration, with no I/O: the fleet's checks
 * ({@code driftless.deploy.checks.*}), then the host's own ({@code driftless.hosts.<name>.checks.*}),
 * where a check of the same name replaces the fleet's whole and {@code enabled=false} drops it. The
 * legacy {@code health-check} command is the check named {@code health-check}. Checks run in the
 * order of their names.
 */
public final class CheckLists {

    /** The name the legacy {@code health-check} command takes among the checks. */
    public static final String LEGACY = "health-check";

    private CheckLists() {}

    /**
     * Every host's checks, in the order they run; or one error that names each wrong check by its
     * configuration key, so that a bad check stops the start instead of failing every deployment.
     */
    public static Map<String, List<HealthCheck>> forFleet(DriftlessConfig config) {
        List<String> wrong = new ArrayList<>();
        Map<String, Optional<HealthCheck>> fleet = fleetChecks(config, wrong);
        Map<String, List<HealthCheck>> byHost = new TreeMap<>();
        new TreeMap<>(config.hosts()).keySet().forEach(host -> byHost.put(host, forHost(config, fleet, host, null, wrong)));
        if (!wrong.isEmpty()) {
            throw new IllegalArgumentException("refusing to start with " + (wrong.size() == 1 ? "a bad health check" : "bad health checks")
                    + ": " + String.join("; ", wrong));
        }
        return Map.copyOf(byHost);
    }

    /** Checks a host declares somewhere else than in configuration (its flake), under the key {@code prefix}. */
    public record Layer(String prefix, Optional<String> legacy, Map<String, DriftlessConfig.Check> checks) {}

    /** The fleet's checks by name ({@code driftless.deploy.*}); a wrong one is added to {@code wrong}. */
    public static Map<String, Optional<HealthCheck>> fleetChecks(DriftlessConfig config, List<String> wrong) {
        return layer("driftless.deploy", config.deploy().healthCheck(), config.deploy().checks(), config.deploy().healthCheckTimeout(), wrong);
    }

    /**
     * One host's checks in the order they run: the fleet's, then those of {@code declared} (the
     * flake; may be null), then the host's configuration, each replacing a check of the same name.
     */
    public static List<HealthCheck> forHost(DriftlessConfig config, Map<String, Optional<HealthCheck>> fleet, String host, Layer declared,
            List<String> wrong) {
        Duration timeout = config.deploy().healthCheckTimeout();
        Map<String, Optional<HealthCheck>> merged = new TreeMap<>(fleet);
        if (declared != null) {
            merged.putAll(layer(declared.prefix(), declared.legacy(), declared.checks(), timeout, wrong));
        }
        DriftlessConfig.HostConfig settings = config.hosts().get(host);
        if (settings != null) {
            merged.putAll(layer("driftless.hosts." + host, settings.healthCheck(), settings.checks(), timeout, wrong));
        }
        return merged.values().stream().flatMap(Optional::stream).toList();
    }

    /** One level's checks by name; an empty value is a check turned off, which hides the fleet's. */
    private static Map<String, Optional<HealthCheck>> layer(String prefix, Optional<String> legacy, Map<String, DriftlessConfig.Check> checks,
            Duration timeout, List<String> wrong) {
        Map<String, Optional<HealthCheck>> layer = new TreeMap<>();
        new TreeMap<>(checks).forEach((name, check) -> layer.put(name, parse(prefix + ".checks." + name, name, check, timeout, wrong)));
        if (legacy.isPresent()) {
            if (checks.containsKey(LEGACY)) {
                wrong.add(prefix + ".health-check and " + prefix + ".checks." + LEGACY + " both set the check " + LEGACY + "; keep one");
            }
            String command = legacy.get().strip();
            boolean off = command.isEmpty() || command.equals("none");
            layer.put(LEGACY, off ? Optional.empty() : Optional.of(new HealthCheck.Command(LEGACY, command, timeout)));
        }
        return layer;
    }

    private static Optional<HealthCheck> parse(String key, String name, DriftlessConfig.Check check, Duration fallback, List<String> wrong) {
        if (!check.enabled()) {
            return Optional.empty();
        }
        List<String> kinds = new ArrayList<>();
        check.command().ifPresent(c -> kinds.add("command"));
        check.url().ifPresent(u -> kinds.add("url"));
        check.units().ifPresent(u -> kinds.add("units"));
        int before = wrong.size();
        if (kinds.size() != 1) {
            wrong.add(key + ": set exactly one of command, url and units" + (kinds.isEmpty() ? ", or enabled=false" : ", not " + String.join(" and ", kinds)));
        }
        Duration timeout = check.timeout().orElse(fallback);
        if (timeout.isNegative() || timeout.isZero()) {
            wrong.add(key + ".timeout: must be more than zero, not " + timeout);
        }
        if (check.expectedStatus().isPresent()) {
            int status = check.expectedStatus().get();
            if (check.url().isEmpty()) {
                wrong.add(key + ".expected-status: only a url check answers with a status");
            } else if (status < 100 || status > 599) {
                wrong.add(key + ".expected-status: " + status + " is not an HTTP status");
            }
        }
        URI url = check.url().map(u -> url(key, u, wrong)).orElse(null);
        check.units().ifPresent(units -> units(key, units, wrong));
        if (wrong.size() > before) {
            return Optional.empty();
        }
        if (url != null) {
            return Optional.of(new HealthCheck.Url(name, url, check.expectedStatus().orElse(null), timeout));
        }
        if (check.command().isPresent()) {
            return Optional.of(new HealthCheck.Command(name, check.command().get(), timeout));
        }
        return Optional.of(new HealthCheck.Units(name, check.units().get(), timeout));
    }

    private static URI url(String key, String text, List<String> wrong) {
        String shown = Redaction.redact(text);
        try {
            URI url = new URI(text.strip());
            String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https")) {
                wrong.add(key + ".url: '" + shown + "' is not an http or https URL");
            } else if (url.getHost() == null) {
                wrong.add(key + ".url: '" + shown + "' names no host");
            }
            return url;
        } catch (URISyntaxException e) {
            wrong.add(key + ".url: '" + shown + "' is not a URL");
            return null;
        }
    }

    private static void units(String key, List<String> units, List<String> wrong) {
        for (String unit : units) {
            if (unit.isBlank() || unit.chars().anyMatch(c -> Character.isWhitespace(c) || Character.isISOControl(c) || c == '\'')) {
                wrong.add(key + ".units: '" + unit + "' is not a unit name");
            }
        }
    }
}
