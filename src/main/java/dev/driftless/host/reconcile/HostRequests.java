package dev.driftless.host.reconcile;

import dev.driftless.fleet.Fleet;
import dev.driftless.fleet.FleetStore;
import dev.driftless.host.HostRecord;
import dev.driftless.host.HostStatus;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.function.UnaryOperator;

/**
 * What people ask of a host through the API, written into its durable record so that a restart
 * or a hand-over carries it out as asked. The host's loop acts on it at its next run.
 */
@ApplicationScoped
public class HostRequests {

    private final Fleet fleet;
    private final FleetStore store;

    HostRequests(Fleet fleet, FleetStore store) {
        this.fleet = fleet;
        this.store = store;
    }

    /** Ends a quarantine and a hold, so the next run deploys the desired generation again. */
    public void sync(String host) {
        change(host, HostRecord::released);
    }

    /** Asks for a rollback and a hold there. */
    public void rollback(String host) {
        HostStatus status = fleet.get(host).orElseThrow();
        String against = status.desired() == null ? null : status.desired().path();
        change(host, r -> r.rollbackRequested(against, Instant.now()));
    }

    // A run in progress keeps a request written meanwhile (HostRecorder merges it), and the
    // scheduler folds the wake-up that follows into one more run, which acts on it.
    private void change(String host, UnaryOperator<HostRecord> change) {
        fleet.changeRecord(host, change, r -> store.saveRecord(host, r));
    }
}
