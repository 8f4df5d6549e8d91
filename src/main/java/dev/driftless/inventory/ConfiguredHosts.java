package dev.driftless.inventory;

import dev.driftless.config.DriftlessConfig;
import dev.driftless.host.health.CheckLists;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.interceptor.Interceptor;

/**
 * The host settings in configuration, checked before anything
 * else starts: a target, goal or check that is wrong stops the start with a message naming the
 * host and the key, so that a bad one is found when the configuration is written and never
 * reaches ssh. Hosts from a commit's flake are checked when that commit is evaluated.
 */
@Startup(Interceptor.Priority.PLATFORM_BEFORE)
@ApplicationScoped
public class ConfiguredHosts {

    ConfiguredHosts(DriftlessConfig config) {
        CheckLists.forFleet(config); // the checks first, each named by its key
        Inventory.Resolution configured = Inventories.resolve(DeclaredHosts.NOTHING, config);
        if (!configured.ok()) {
            throw new IllegalArgumentException("refusing to start with " + (configured.errors().size() == 1 ? "a bad host setting" : "bad host settings")
                    + ": " + String.join("; ", configured.errors()));
        }
    }
}
