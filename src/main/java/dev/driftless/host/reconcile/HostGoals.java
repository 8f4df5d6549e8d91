package dev.driftless.host.reconcile;

import dev.driftless.config.DriftlessConfig;
import dev.driftless.host.Goal;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.interceptor.Interceptor;
import java.util.Map;
import java.util.TreeMap;

/** Each host's activation goal, read once at start: a value that is not a goal stops the start, naming the key. */
@Startup(Interceptor.Priority.PLATFORM_BEFORE)
@ApplicationScoped
public class HostGoals {

    private final Goal fleet;
    private final Map<String, Goal> byHost = new TreeMap<>();

    HostGoals(DriftlessConfig config) {
        this.fleet = parse("driftless.deploy.goal", config.deploy().goal());
        config.hosts().forEach((name, host) -> host.goal().ifPresent(g -> byHost.put(name, parse("driftless.hosts." + name + ".goal", g))));
    }

    public Goal of(String host) {
        return byHost.getOrDefault(host, fleet);
    }

    private static Goal parse(String key, String value) {
        try {
            return Goal.of(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(key + ": " + e.getMessage());
        }
    }
}
