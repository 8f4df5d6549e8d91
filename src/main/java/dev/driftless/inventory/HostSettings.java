package dev.driftless.inventory;

import dev.driftless.host.Goal;
import dev.driftless.host.drift.DriftCheck;
import dev.driftless.host.drift.DriftPolicy;
import dev.driftless.host.health.HealthCheck;
import dev.driftless.host.transport.HostTarget;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * One managed host's settings, resolved: from the commit's flake, overridden by configuration,
 * completed by the fleet's defaults. {@code from} says where each setting came from, by field:
 * {@code flake:<source>}, {@code configuration}, {@code hosts-default} or {@code default};
 * {@code drift} the policy of each deep drift check.
 */
public record HostSettings(String name, String targetText, HostTarget target, boolean sudo, boolean heal, Goal goal,
        Duration confirmTimeout, List<HealthCheck> checks, List<String> tags, Map<DriftCheck, DriftPolicy> drift, Map<String, String> from) {

    public HostSettings {
        checks = List.copyOf(checks);
        tags = List.copyOf(tags);
        drift = Map.copyOf(drift);
        from = Map.copyOf(from);
    }
}
