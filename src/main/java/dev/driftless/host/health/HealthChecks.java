package dev.driftless.host.health;

import dev.driftless.fleet.FleetInventory;
import dev.driftless.inventory.HostSettings;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;

/**
 * Every managed host's health checks, as its settings give them (fleet, flake, configuration).
 * Wrong checks never get here: configuration's stop the start, a flake's fail its commit.
 */
@ApplicationScoped
public class HealthChecks {

    private final FleetInventory inventory;
    private final UrlProbe http = new UrlProbe();

    HealthChecks(FleetInventory inventory) {
        this.inventory = inventory;
    }

    /**
     * The checks run between a switch and its confirmation, so checks that may take longer than
     * the confirm timeout let the host's guard roll back a good generation: the inventory says so.
     */
    public static java.util.Optional<String> confirmWarning(String host, List<HealthCheck> checks, java.time.Duration confirmTimeout) {
        java.time.Duration total = checks.stream().map(HealthCheck::timeout).reduce(java.time.Duration.ZERO, java.time.Duration::plus);
        if (total.compareTo(confirmTimeout) < 0) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of("host " + host + ": its checks may take up to " + total.toSeconds() + " s, which is not less than its confirm"
                + " timeout (" + confirmTimeout.toSeconds() + " s); a switch whose checks run that long is rolled back by the host's guard."
                + " Raise driftless.hosts." + host + ".confirm-timeout (or driftless.deploy.confirm-timeout) or shorten the checks' timeouts.");
    }

    /** The runner of {@code host}'s checks; one with no checks for a host that is not managed. */
    public CheckRunner of(String host) {
        return new CheckRunner(inventory.find(host).map(HostSettings::checks).orElse(List.of()), http);
    }
}
