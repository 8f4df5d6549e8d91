package dev.driftless.inventory;

import dev.driftless.host.Goal;
import dev.driftless.host.health.HealthCheck;
import dev.driftless.host.transport.HostTarget;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * One managed host's settings, resolved: from the commit's flake, overridden by configuration,
 * completed by the fleet's defaults. {@code from} says where each setting came from, by field:
 * {@code flake:<source>}, {@code configuration}, {@code hosts-default} or {@code default}.
 */
public record HostSettings(String name, String targetText, HostTarget target, boolean sudo, boolean heal, Goal goal,
        Duration confirmTimeout, List<HealthCheck> checks, List<String> tags, Map<String, String> from) {

    public HostSettings {
        checks = List.copyOf(checks);
        tags = List.copyOf(tags);
        from = Map.copyOf(from);
    }
}
