package dev.driftless.inventory;

import dev.driftless.config.DriftlessConfig;
import dev.driftless.host.Goal;
import dev.driftless.host.drift.DriftCheck;
import dev.driftless.host.drift.DriftPolicy;
import dev.driftless.host.health.CheckLists;
import dev.driftless.host.health.HealthCheck;
import dev.driftless.host.transport.HostTarget;
import io.quarkus.runtime.configuration.DurationConverter;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Resolves what a commit declares into the hosts to manage and their settings, with no I/O.
 * Precedence, field by field: {@code driftless.hosts.<name>.*} in configuration, then the flake,
 * then {@code driftless.hosts-default.target} (the target only), then the fleet's defaults
 * ({@code driftless.deploy.*}, {@code driftless.reconcile.policy}). Every mistake is collected
 * with the host and field it is in, so that a commit with any of them is refused whole.
 */
public final class Inventories {

    /** The fields of a host in the {@code driftless} output: the same as {@code driftless.hosts.<name>.*}, in camelCase. */
    static final Set<String> FIELDS = Set.of("target", "sudo", "policy", "goal", "confirmTimeout", "healthCheck", "checks", "tags", "drift");
    static final Set<String> CHECK_FIELDS = Set.of("command", "url", "expectedStatus", "units", "timeout", "enabled");

    public static final String CONFIGURATION = "configuration";
    public static final String HOSTS_DEFAULT = "hosts-default";
    public static final String DEFAULT = "default";

    private Inventories() {}

    public static Inventory.Resolution resolve(DeclaredHosts declared, DriftlessConfig config) {
        List<String> errors = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        FlakeSources.Translated git = FlakeSources.translate(declared, errors, notes);
        Map<String, Map<String, Object>> fromGit = new TreeMap<>(git.hosts());
        Map<String, String> where = new TreeMap<>(git.where());
        Optional<String> pattern = config.hostsDefault().target();
        String source = declared.source();
        if (DeclaredHosts.NONE.equals(source)) {
            source = CONFIGURATION;
            if (pattern.isPresent() && declared.configurations() != null) {
                source = "nixosConfigurations";
                declared.configurations().forEach(name -> {
                    fromGit.put(name, Map.of());
                    where.put(name, "nixosConfigurations." + name);
                });
            }
        }
        if (declared.configurations() != null) {
            fromGit.keySet().stream().filter(name -> !declared.configurations().contains(name)).forEach(name ->
                    errors.add(where.get(name) + ": there is no nixosConfigurations." + name + " in this commit to deploy"));
        }
        Set<String> names = new TreeSet<>(fromGit.keySet());
        config.hosts().forEach((name, host) -> {
            if (host.target().isPresent()) {
                names.add(name);
            } else if (!fromGit.containsKey(name)) {
                notes.add("driftless.hosts." + name + " sets no target and the flake declares no host " + name + ": not managed");
            }
        });
        String gitFrom = "flake:" + declared.source();
        Map<String, Optional<HealthCheck>> fleetChecks = CheckLists.fleetChecks(config, errors);
        Map<String, HostSettings> hosts = new TreeMap<>();
        for (String name : names) {
            Host host = new Host(name, fromGit.get(name), where.getOrDefault(name, "driftless.hosts." + name), gitFrom,
                    config.hosts().get(name), errors);
            host.resolve(config, pattern, fleetChecks).ifPresent(s -> hosts.put(name, s));
        }
        duplicates(hosts, errors);
        // A fleet-wide setting that is wrong is found once per host: say it once.
        return new Inventory.Resolution(new Inventory(source, hosts, notes), List.copyOf(new java.util.LinkedHashSet<>(errors)));
    }

    /** Two names for one machine would deploy two configurations to it in turn, for ever. */
    private static void duplicates(Map<String, HostSettings> hosts, List<String> errors) {
        Map<HostTarget, List<String>> byTarget = new LinkedHashMap<>();
        hosts.values().forEach(h -> byTarget.computeIfAbsent(h.target(), t -> new ArrayList<>()).add(h.name()));
        byTarget.forEach((target, same) -> {
            if (same.size() > 1) {
                errors.add("hosts " + String.join(", ", same) + " have the same target " + hosts.get(same.get(0)).targetText()
                        + ": one machine can run only one of their configurations; give each host its own target");
            }
        });
    }

    /** One host being resolved: its fields from the flake ({@code git}, may be null) and from configuration ({@code conf}, may be null). */
    private record Host(String name, Map<String, Object> git, String at, String gitFrom, DriftlessConfig.HostConfig conf, List<String> errors) {

        Optional<HostSettings> resolve(DriftlessConfig config, Optional<String> pattern, Map<String, Optional<HealthCheck>> fleetChecks) {
            int before = errors.size();
            Map<String, Object> fields = git == null ? Map.of() : git;
            new TreeSet<>(fields.keySet()).stream().filter(k -> !FIELDS.contains(k)).forEach(k ->
                    errors.add(at + "." + k + ": unknown key; a host has " + String.join(", ", new TreeSet<>(FIELDS))));
            Map<String, String> from = new TreeMap<>();

            String targetText;
            String targetKey;
            if (conf != null && conf.target().isPresent()) {
                targetText = conf.target().get();
                targetKey = configKey("target");
                from.put("target", CONFIGURATION);
            } else if (fields.get("target") != null) {
                targetText = string(fields, "target");
                targetKey = at + ".target";
                from.put("target", gitFrom);
            } else if (pattern.isPresent()) {
                targetText = pattern.get().replace("{name}", name);
                targetKey = "driftless.hosts-default.target";
                from.put("target", HOSTS_DEFAULT);
            } else {
                errors.add(at + ".target: missing; set it in the flake, in driftless.hosts." + name + ".target,"
                        + " or a pattern in driftless.hosts-default.target");
                return Optional.empty();
            }
            HostTarget target = null;
            if (targetText != null) {
                try {
                    target = HostTarget.parse(targetText);
                } catch (IllegalArgumentException e) {
                    errors.add(targetKey + ": " + e.getMessage());
                }
            }

            boolean sudo = pick(from, "sudo", conf == null ? Optional.empty() : conf.sudo(), () -> bool(fields, "sudo"), config.deploy().sudo());
            String policy = pick(from, "policy", conf == null ? Optional.empty() : conf.policy(), () -> string(fields, "policy"),
                    config.reconcile().policy());
            if (!policy.equals("heal") && !policy.equals("report")) {
                errors.add(key(from, "policy") + ": '" + policy + "' is neither heal nor report");
            }
            String goalText = pick(from, "goal", conf == null ? Optional.empty() : conf.goal(), () -> string(fields, "goal"), config.deploy().goal());
            Goal goal = null;
            try {
                goal = Goal.of(goalText);
            } catch (IllegalArgumentException e) {
                errors.add(key(from, "goal") + ": " + e.getMessage());
            }
            Duration confirm = pick(from, "confirmTimeout", conf == null ? Optional.empty() : conf.confirmTimeout(),
                    () -> duration(fields, "confirmTimeout", at + ".confirmTimeout"), config.deploy().confirmTimeout());
            List<String> tags = pick(from, "tags", conf == null ? Optional.empty() : conf.tags(), () -> strings(fields, "tags", at + ".tags"), List.of());

            Map<DriftCheck, DriftPolicy> drift = drift(config, fields, from);

            CheckLists.Layer declared = git == null ? null
                    : new CheckLists.Layer(at, Optional.ofNullable(string(fields, "healthCheck")), checks(fields.get("checks")));
            List<HealthCheck> checks = CheckLists.forHost(config, fleetChecks, name, declared, errors);
            if (errors.size() > before || target == null || goal == null) {
                return Optional.empty();
            }
            return Optional.of(new HostSettings(name, targetText, target, sudo, policy.equals("heal"), goal, confirm, checks, tags, drift, from));
        }

        /**
         * Each deep drift check's policy: configuration's for the host, the flake's, the fleet's
         * ({@code driftless.drift.<check>}), else report. A check or policy that does not exist is an error.
         */
        private Map<DriftCheck, DriftPolicy> drift(DriftlessConfig config, Map<String, Object> fields, Map<String, String> from) {
            Map<String, Object> declared = new TreeMap<>();
            Object raw = fields.get("drift");
            if (raw instanceof Map<?, ?> m) {
                m.forEach((k, v) -> declared.put(String.valueOf(k), v));
            } else if (raw != null) {
                errors.add(at + ".drift: not an attribute set of check = policy");
            }
            known(declared.keySet(), at + ".drift.");
            known(config.drift().keySet(), "driftless.drift.");
            if (conf != null) {
                known(conf.drift().keySet(), "driftless.hosts." + name + ".drift.");
            }
            Map<DriftCheck, DriftPolicy> policies = new java.util.EnumMap<>(DriftCheck.class);
            for (DriftCheck check : DriftCheck.values()) {
                String field = "drift." + check.label();
                Object value;
                String key;
                if (conf != null && conf.drift().containsKey(check.label())) {
                    value = conf.drift().get(check.label());
                    key = "driftless.hosts." + name + ".drift." + check.label();
                    from.put(field, CONFIGURATION);
                } else if (declared.get(check.label()) != null) {
                    value = declared.get(check.label());
                    key = at + "." + field;
                    from.put(field, gitFrom);
                } else if (config.drift().containsKey(check.label())) {
                    value = config.drift().get(check.label());
                    key = "driftless.drift." + check.label();
                    from.put(field, DEFAULT);
                } else {
                    value = "report";
                    key = "";
                    from.put(field, DEFAULT);
                }
                try {
                    DriftPolicy policy = DriftPolicy.of(String.valueOf(value));
                    if (policy == DriftPolicy.HEAL && !check.healable()) {
                        errors.add(key + ": heal is not possible for " + check.label() + " (re-activating the generation does not put it right); "
                                + (check.informational() ? "it is information: report or ignore" : "use report, and repair by hand (see docs/drift.md)"));
                        policy = DriftPolicy.REPORT;
                    }
                    policies.put(check, policy);
                } catch (IllegalArgumentException e) {
                    errors.add(key + ": " + e.getMessage());
                    policies.put(check, DriftPolicy.REPORT);
                }
            }
            return policies;
        }

        private void known(Set<String> checks, String prefix) {
            for (String c : checks) {
                if (DriftCheck.of(c).isEmpty()) {
                    errors.add(prefix + c + ": no such drift check; the checks are " + java.util.Arrays.stream(DriftCheck.values())
                            .map(DriftCheck::label).toList() + (c.equals("system") ? " (the generation itself follows policy)" : ""));
                }
            }
        }

        /** The configuration's value, else the flake's, else the fleet's; {@code from} records which. */
        private <T> T pick(Map<String, String> from, String field, Optional<T> configured, java.util.function.Supplier<T> declared, T fallback) {
            if (configured.isPresent()) {
                from.put(field, CONFIGURATION);
                return configured.get();
            }
            T value = git == null ? null : declared.get();
            if (value != null) {
                from.put(field, gitFrom);
                return value;
            }
            from.put(field, DEFAULT);
            return fallback;
        }

        private String key(Map<String, String> from, String field) {
            return switch (from.get(field)) {
                case CONFIGURATION -> configKey(field);
                case DEFAULT -> "the fleet's default for " + field;
                default -> at + "." + field;
            };
        }

        private String configKey(String field) {
            return "driftless.hosts." + name + "." + field.replaceAll("([A-Z])", "-$1").toLowerCase(java.util.Locale.ROOT);
        }

        private String string(Map<String, Object> fields, String key) {
            Object v = fields.get(key);
            if (v == null || v instanceof String) {
                return (String) v;
            }
            errors.add(at + "." + key + ": not a string");
            return null;
        }

        private Boolean bool(Map<String, Object> fields, String key) {
            Object v = fields.get(key);
            if (v == null || v instanceof Boolean) {
                return (Boolean) v;
            }
            errors.add(at + "." + key + ": not true or false");
            return null;
        }

        private Duration duration(Map<String, Object> fields, String key, String shown) {
            Object v = fields.get(key);
            if (v == null) {
                return null;
            }
            Duration d = Inventories.duration(v);
            if (d == null || d.isNegative() || d.isZero()) {
                errors.add(shown + ": '" + v + "' is not a duration such as 30 (seconds) or \"2m\"");
            }
            return d;
        }

        private List<String> strings(Map<String, Object> fields, String key, String shown) {
            Object v = fields.get(key);
            if (v == null) {
                return null;
            }
            if (v instanceof List<?> list && list.stream().allMatch(String.class::isInstance)) {
                return list.stream().map(String.class::cast).toList();
            }
            errors.add(shown + ": not a list of strings");
            return null;
        }

        /** The flake's checks; a URL with credentials is refused, since the flake is readable by everyone in the store. */
        private Map<String, DriftlessConfig.Check> checks(Object value) {
            Map<String, DriftlessConfig.Check> checks = new TreeMap<>();
            if (value == null) {
                return checks;
            }
            if (!(value instanceof Map<?, ?> all)) {
                errors.add(at + ".checks: not an attribute set of checks");
                return checks;
            }
            all.forEach((n, v) -> {
                String ck = at + ".checks." + n;
                if (!(v instanceof Map<?, ?> raw)) {
                    errors.add(ck + ": not an attribute set");
                    return;
                }
                @SuppressWarnings("unchecked")
                Map<String, Object> f = (Map<String, Object>) raw;
                new TreeSet<>(f.keySet()).stream().filter(k -> !CHECK_FIELDS.contains(k)).forEach(k ->
                        errors.add(ck + "." + k + ": unknown key; a check has " + String.join(", ", new TreeSet<>(CHECK_FIELDS))));
                Host check = new Host(name, f, ck, gitFrom, null, errors);
                String url = check.string(f, "url");
                if (url != null && hasCredentials(url)) {
                    errors.add(ck + ".url: holds credentials, and the flake is readable by every user of the Nix store;"
                            + " set this check in driftless.hosts." + name + ".checks." + n + " instead");
                    return;
                }
                Object status = f.get("expectedStatus");
                if (status != null && !(status instanceof Number)) {
                    errors.add(ck + ".expectedStatus: not a number");
                    return;
                }
                Boolean enabled = check.bool(f, "enabled");
                checks.put(String.valueOf(n), new DeclaredCheck(Optional.ofNullable(check.string(f, "command")), Optional.ofNullable(url),
                        Optional.ofNullable(status).map(s -> ((Number) s).intValue()), Optional.ofNullable(check.strings(f, "units", ck + ".units")),
                        Optional.ofNullable(check.duration(f, "timeout", ck + ".timeout")), enabled == null || enabled));
            });
            return checks;
        }
    }

    /** A check declared in the flake, in the shape configuration gives one. */
    record DeclaredCheck(Optional<String> command, Optional<String> url, Optional<Integer> expectedStatus, Optional<List<String>> units,
            Optional<Duration> timeout, boolean enabled) implements DriftlessConfig.Check {}

    /** Seconds as a number, or a duration as configuration writes it ({@code 30s}, {@code 2m}); null when neither. */
    static Duration duration(Object value) {
        if (value instanceof Number n) {
            return Duration.ofMillis(Math.round(n.doubleValue() * 1000));
        }
        try {
            return DurationConverter.parseDuration(String.valueOf(value).strip());
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static boolean hasCredentials(String url) {
        try {
            return new URI(url.strip()).getRawUserInfo() != null;
        } catch (java.net.URISyntaxException e) {
            return url.contains("@");
        }
    }
}
