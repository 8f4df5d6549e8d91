package dev.driftless.host.transport;

import dev.driftless.config.DriftlessConfig;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.interceptor.Interceptor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Every host's target, parsed once at start. A target that does not parse stops the start with
 * a message naming the host, so that a bad one is found when the configuration is written, not at
 * the host's first reconciliation, and never reaches ssh. Checked before anything else starts, so
 * that no reconciliation has begun when the start is refused.
 */
@Startup(Interceptor.Priority.PLATFORM_BEFORE)
@ApplicationScoped
public class HostTargets {

    private final Map<String, HostTarget> targets;

    HostTargets(DriftlessConfig config) {
        Map<String, String> configured = new TreeMap<>();
        config.hosts().forEach((name, host) -> configured.put(name, host.target()));
        this.targets = parseAll(configured);
    }

    /** The parsed targets by host, or one error that names each host whose target is wrong and why. */
    static Map<String, HostTarget> parseAll(Map<String, String> configured) {
        Map<String, HostTarget> parsed = new TreeMap<>();
        List<String> wrong = new ArrayList<>();
        new TreeMap<>(configured).forEach((name, target) -> {
            try {
                parsed.put(name, HostTarget.parse(target));
            } catch (IllegalArgumentException e) {
                wrong.add("driftless.hosts." + name + ".target: " + e.getMessage());
            }
        });
        if (!wrong.isEmpty()) {
            throw new IllegalArgumentException("refusing to start with " + (wrong.size() == 1 ? "a bad host target" : "bad host targets")
                    + ": " + String.join("; ", wrong));
        }
        return Map.copyOf(parsed);
    }

    public HostTarget of(String host) {
        HostTarget target = targets.get(host);
        if (target == null) {
            throw new IllegalArgumentException("no host " + host + " in driftless.hosts");
        }
        return target;
    }
}
