package dev.driftless.fleet;

import dev.driftless.host.Actual;
import dev.driftless.host.Desired;
import dev.driftless.host.HostRecord;
import dev.driftless.host.HostState;
import dev.driftless.inventory.Inventory;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * What other controllers sharing the fleet changed, applied here as it arrives: to the store, so
 * that the API and a later take-over see it, and to the live picture. A new desired generation
 * wakes the host, which runs only if this controller reconciles it.
 */
@ApplicationScoped
public class RemoteChanges implements StateJournal.Changes {

    private final FleetStore store;
    private final Fleet fleet;
    private final HostWaker waker;
    private final Duties duties;

    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(RemoteChanges.class);

    private final FleetInventory inventory;

    RemoteChanges(FleetStore store, Fleet fleet, HostWaker waker, Duties duties, FleetInventory inventory) {
        this.inventory = inventory;
        this.store = store;
        this.fleet = fleet;
        this.waker = waker;
        this.duties = duties;
    }

    /** What another controller reports of a host it reconciles; a host reconciled here knows better. */
    private void mirror(String host, java.util.function.UnaryOperator<dev.driftless.host.HostStatus> change) {
        if (!duties.owns(host)) {
            fleet.mirror(host, change);
        }
    }

    /**
     * A commit the leading controller made desired brings its inventory: hosts it declares come
     * under management here too (reconciled by whichever controller's share they fall in), and
     * hosts it no longer declares are let go of.
     */
    @Override
    public void restoreCommit(CommitRecord commit) {
        store.restoreCommit(commit);
        if (commit.status() != CommitRecord.Status.READY || commit.inventory() == null
                || !store.lastReady().map(CommitRecord::sha).orElse("").equals(commit.sha())) {
            return;
        }
        Inventory.Resolution resolution = inventory.resolve(commit.inventory());
        if (!resolution.ok()) {
            LOG.errorf("commit %.12s, made desired by another controller, declares hosts this controller's configuration refuses: %s."
                    + " Give the controllers the same driftless.hosts.* settings.", commit.sha(), String.join("; ", resolution.errors()));
            return;
        }
        inventory.apply(resolution.inventory());
        waker.manage(fleet.manage(resolution.inventory(), commit.sha(), store.desired()));
    }

    @Override
    public void restoreDesired(String host, Desired desired) {
        store.restoreDesired(host, desired);
        fleet.promote(Map.of(host, desired), duties);
        waker.wake(List.of(host));
    }

    @Override
    public void restoreIncident(Incident incident) {
        store.restoreIncident(incident);
    }

    @Override
    public void restoreHistory(String host, HistoryEntry entry) {
        store.restoreHistory(host, entry);
        if (Arrays.asList(HistoryEntry.DEPLOYMENT_KINDS).contains(entry.kind())) {
            mirror(host, s -> s.deployed(Fleet.toDeployment(entry)));
        }
        if (HistoryEntry.DEPLOYED.equals(entry.kind()) && entry.generation() != null) {
            mirror(host, s -> s.observed(new Actual(entry.path(), entry.generation()), entry.at())); // what it runs now
        }
    }

    @Override
    public void restoreHostRecord(String host, HostRecord record) {
        store.restoreHostRecord(host, record);
        mirror(host, s -> s.withRecord(record));
    }

    @Override
    public void restoreHostState(String host, String state, String message) {
        mirror(host, s -> s.with(HostState.of(state), message));
    }
}
