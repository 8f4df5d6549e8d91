package dev.driftless.fleet;

import dev.driftless.config.DriftlessConfig;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Collection;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The one implementation of {@link Duties}. Standalone, a controller leads and owns every
 * managed host from the start; a worker does neither. In distributed mode it starts with
 * nothing, and the controllers' group changes it through {@link #lead}, {@link #stepDown},
 * {@link #take} and {@link #release}.
 */
@ApplicationScoped
public class Assignments implements Duties {

    private final Set<String> owned = ConcurrentHashMap.newKeySet();
    private volatile boolean leads;

    Assignments(DriftlessConfig config, FleetInventory inventory) {
        boolean alone = config.role().controls() && !config.distributed();
        this.leads = alone;
        if (alone) {
            owned.addAll(inventory.current().names());
        }
    }

    @Override
    public boolean leads() {
        return leads;
    }

    @Override
    public boolean owns(String host) {
        return owned.contains(host);
    }

    @Override
    public Set<String> owned() {
        return Set.copyOf(owned);
    }

    public void lead() {
        leads = true;
    }

    public void stepDown() {
        leads = false;
    }

    public void take(Collection<String> hosts) {
        owned.addAll(hosts);
    }

    public void release(Collection<String> hosts) {
        owned.removeAll(hosts);
    }
}
