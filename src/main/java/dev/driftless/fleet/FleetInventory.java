package dev.driftless.fleet;

import dev.driftless.config.DriftlessConfig;
import dev.driftless.host.health.HealthCheck;
import dev.driftless.host.health.HealthChecks;
import dev.driftless.host.transport.HostTarget;
import dev.driftless.secret.Redaction;
import dev.driftless.inventory.DeclaredHosts;
import dev.driftless.inventory.HostSettings;
import dev.driftless.inventory.Inventories;
import dev.driftless.inventory.Inventory;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * The hosts under management now and their settings: those of the last commit that became
 * desired, resolved against this process's configuration. A restart resolves that commit's
 * inventory again, so a change of configuration takes effect then; a commit changes it when it
 * is promoted, never before, so hosts and their generations always come from the same commit.
 */
@ApplicationScoped
public class FleetInventory {

    private static final Logger LOG = Logger.getLogger(FleetInventory.class);

    private final DriftlessConfig config;
    private volatile Inventory current;

    FleetInventory(DriftlessConfig config, FleetStore store) {
        this.config = config;
        Optional<CommitRecord> ready = store.lastReady();
        DeclaredHosts declared = ready.map(CommitRecord::inventory).orElse(DeclaredHosts.NOTHING);
        Inventory.Resolution resolution = Inventories.resolve(declared, config);
        if (!resolution.ok()) {
            throw new IllegalArgumentException("refusing to start: the hosts of commit " + ready.map(CommitRecord::sha).orElse("(none)")
                    + " with this configuration: " + String.join("; ", resolution.errors()));
        }
        this.current = resolution.inventory();
        LOG.infof("managing %d host(s) from %s%s", current.hosts().size(), current.source(),
                ready.map(c -> " at commit " + c.sha().substring(0, Math.min(12, c.sha().length()))).orElse(""));
        current.notes().forEach(LOG::info);
        announce(current);
    }

    /**
     * Masks the credentials of the hosts' URL checks in every log line and message from now on,
     * whoever prints them; and warns of checks that may outlast a host's confirm timeout.
     */
    private static void announce(Inventory inventory) {
        inventory.hosts().values().forEach(h -> {
            h.checks().stream().filter(HealthCheck.Url.class::isInstance)
                    .forEach(check -> Redaction.registerUrl(((HealthCheck.Url) check).url().toString()));
            if (h.target() instanceof HostTarget.Ssh) {
                HealthChecks.confirmWarning(h.name(), h.checks(), h.confirmTimeout()).ifPresent(LOG::warn);
            }
        });
    }

    public Inventory current() {
        return current;
    }

    /** What a commit's declared hosts resolve to with this configuration. */
    public Inventory.Resolution resolve(DeclaredHosts declared) {
        return Inventories.resolve(declared, config);
    }

    /** The inventory of a commit that has just become desired: its settings apply from now on. */
    synchronized void apply(Inventory next) {
        announce(next);
        current = next;
    }

    /** A managed host's settings. */
    public HostSettings of(String host) {
        return current.host(host).orElseThrow(() -> new IllegalArgumentException("host " + host + " is not managed"));
    }

    public Optional<HostSettings> find(String host) {
        return current.host(host);
    }
}
