package dev.driftless.host.reconcile;

import dev.driftless.fleet.FleetInventory;
import dev.driftless.host.Goal;
import jakarta.enterprise.context.ApplicationScoped;

/** Each host's activation goal: its own (flake or configuration), else the fleet's {@code driftless.deploy.goal}. */
@ApplicationScoped
public class HostGoals {

    private final FleetInventory inventory;

    HostGoals(FleetInventory inventory) {
        this.inventory = inventory;
    }

    public Goal of(String host) {
        return inventory.of(host).goal();
    }
}
