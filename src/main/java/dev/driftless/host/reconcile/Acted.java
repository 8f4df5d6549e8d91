package dev.driftless.host.reconcile;

import dev.driftless.host.Actual;
import dev.driftless.host.Deployment;
import dev.driftless.host.DriftCause;
import dev.driftless.host.HostRecord;
import dev.driftless.host.HostState;
import java.time.Duration;

/**
 * What carrying out a {@link Decision} left: the host's new state and durable record, and what
 * happened on the way, for {@link HostRecorder} to write down once.
 *
 * @param actual     what the host runs now, or null when it could not be observed
 * @param cause      why the host is not InSync, or null when it is (or nothing is known)
 * @param deployment the deployment that ended in this run, if one did
 * @param requested  a rollback someone asked for was carried out
 */
record Acted(ReconcileResult.Outcome outcome, HostState state, String message, Actual actual, HostRecord record,
        DriftCause cause, Deployment deployment, boolean requested, Duration retryAfter, Deep deep) {

    /**
     * What the deep drift checks found in this run ({@code findings}), and the drift they detected
     * even when the run healed it ({@code detected}, {@code evidence}; null when none), so that the
     * incident is opened and closed with its recovery time.
     */
    record Deep(java.util.List<dev.driftless.host.drift.Finding> findings, DriftCause detected, String evidence) {}

    static Acted of(ReconcileResult.Outcome outcome, HostState state, String message, Actual actual, HostRecord record, DriftCause cause) {
        return new Acted(outcome, state, message, actual, record, cause, null, false, null, null);
    }

    Acted withDeployment(Deployment d) {
        return new Acted(outcome, state, message, actual, record, cause, d, requested, retryAfter, deep);
    }

    Acted requestedRollback() {
        return new Acted(outcome, state, message, actual, record, cause, deployment, true, retryAfter, deep);
    }

    Acted retryAfter(Duration after) {
        return new Acted(outcome, state, message, actual, record, cause, deployment, requested, after, deep);
    }

    Acted withDeep(Deep found) {
        return new Acted(outcome, state, message, actual, record, cause, deployment, requested, retryAfter, found);
    }

    ReconcileResult result() {
        return new ReconcileResult(outcome, message, retryAfter);
    }
}
