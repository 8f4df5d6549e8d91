package dev.driftless.fleet;

import dev.driftless.host.Actual;
import dev.driftless.host.Desired;
import dev.driftless.host.HostRecord;
import dev.driftless.host.HostState;
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

    RemoteChanges(FleetStore store, Fleet fleet, HostWaker waker) {
        this.store = store;
        this.fleet = fleet;
        this.waker = waker;
    }

    @Override
    public void restoreCommit(CommitRecord commit) {
        store.restoreCommit(commit);
    }

    @Override
    public void restoreDesired(String host, Desired desired) {
        store.restoreDesired(host, desired);
        fleet.promote(Map.of(host, desired));
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
            fleet.mirror(host, s -> s.deployed(Fleet.toDeployment(entry)));
        }
        if (HistoryEntry.DEPLOYED.equals(entry.kind()) && entry.generation() != null) {
            fleet.mirror(host, s -> s.observed(new Actual(entry.path(), entry.generation()), entry.at())); // what it runs now
        }
    }

    @Override
    public void restoreHostRecord(String host, HostRecord record) {
        store.restoreHostRecord(host, record);
        fleet.mirrorRecord(host, record);
    }

    @Override
    public void restoreHostState(String host, String state, String message) {
        fleet.mirror(host, s -> s.with(HostState.of(state), message));
    }
}
