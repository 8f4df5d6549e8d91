package dev.driftless.host.reconcile;

import dev.driftless.event.HostEvent;
import dev.driftless.fleet.FleetStore;
import dev.driftless.fleet.HistoryEntry;
import dev.driftless.fleet.HostEvents;
import dev.driftless.fleet.Incidents;
import dev.driftless.host.Actual;
import dev.driftless.host.Deployment;
import dev.driftless.host.Desired;
import dev.driftless.host.DriftCause;
import dev.driftless.host.HostState;
import dev.driftless.metrics.DriftlessMetrics;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * Writes down what a reconciliation did, everywhere it must show: the host's history, the
 * metrics, incidents and the event stream. The reconciler decides; this only records.
 */
@ApplicationScoped
public class HostRecorder {

    private final FleetStore store;
    private final DriftlessMetrics metrics;
    private final Incidents incidents;
    private final HostEvents events;

    HostRecorder(FleetStore store, DriftlessMetrics metrics, Incidents incidents, HostEvents events) {
        this.store = store;
        this.metrics = metrics;
        this.incidents = incidents;
        this.events = events;
    }

    void deployed(String host, Deployment d, Desired desired) {
        deployment(host, d, HistoryEntry.DEPLOYED, HostEvent.DEPLOYMENT_SUCCEEDED);
        if (desired.committedAt() != null) {
            metrics.leadTime(Duration.between(desired.committedAt(), d.finishedAt()));
        }
        incidents.recovered(host, d.commit());
    }

    void deployFailed(String host, Deployment d) {
        boolean rolledBack = d.result() == Deployment.Result.ROLLED_BACK;
        deployment(host, d, rolledBack ? HistoryEntry.ROLLED_BACK : HistoryEntry.DEPLOY_FAILED,
                rolledBack ? HostEvent.DEPLOYMENT_ROLLED_BACK : HostEvent.DEPLOYMENT_FAILED);
        incidents.opened(host, DriftCause.FAILED_DEPLOY, d.commit(), d.message());
    }

    void converged(String host, String commit) {
        incidents.recovered(host, commit);
    }

    void drift(String host, DriftCause cause, Desired desired, Actual actual) {
        String message = "runs " + actual.path() + ", committed " + desired.path();
        store.append(host, new HistoryEntry(Instant.now(), HistoryEntry.DRIFT, desired.commit(), actual.path(), actual.generation(),
                HostState.OUT_OF_SYNC.label(), cause.label(), message));
        Map<String, Object> data = new HashMap<>();
        data.put("cause", cause.label());
        data.put("actualPath", String.valueOf(actual.path()));
        data.put("desiredPath", desired.path());
        data.put("generation", actual.generation());
        events.publish(HostEvent.of(HostEvent.DRIFT_DETECTED, host, desired.commit(), data));
        incidents.opened(host, cause, desired.commit(), cause.label() + ": " + message);
    }

    void unreachable(String host, String commit, String why) {
        incidents.opened(host, DriftCause.UNREACHABLE, commit, why);
    }

    void manualRollback(String host, String commit, Actual now, String from) {
        store.append(host, new HistoryEntry(Instant.now(), HistoryEntry.MANUAL_ROLLBACK, commit, now.path(), now.generation(),
                HostState.OUT_OF_SYNC.label(), null, "rolled back on request from " + from));
        events.publish(HostEvent.of(HostEvent.DEPLOYMENT_ROLLED_BACK, host, commit,
                Map.of("path", String.valueOf(now.path()), "generation", now.generation(), "requested", true)));
    }

    private void deployment(String host, Deployment d, String kind, String type) {
        metrics.deployment(host, d.result().label(), Duration.between(d.startedAt(), d.finishedAt()));
        store.append(host, new HistoryEntry(d.finishedAt(), kind, d.commit(), d.path(), d.generation(), null, null, d.message()));
        Map<String, Object> data = new HashMap<>();
        data.put("path", d.path());
        data.put("result", d.result().label());
        if (d.generation() != null) {
            data.put("generation", d.generation());
        }
        if (d.message() != null) {
            data.put("message", d.message());
        }
        events.publish(HostEvent.of(type, host, d.commit(), data));
    }
}
