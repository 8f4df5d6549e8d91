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
        DriftCause cause, Deployment deployment, boolean requested, Duration retryAfter) {

    static Acted of(ReconcileResult.Outcome outcome, HostState state, String message, Actual actual, HostRecord record, DriftCause cause) {
        return new Acted(outcome, state, message, actual, record, cause, null, false, null);
    }

    Acted withDeployment(Deployment d) {
        return new Acted(outcome, state, message, actual, record, cause, d, requested, retryAfter);
    }

    Acted requestedRollback() {
        return new Acted(outcome, state, message, actual, record, cause, deployment, true, retryAfter);
    }

    Acted retryAfter(Duration after) {
        return new Acted(outcome, state, message, actual, record, cause, deployment, requested, after);
    }

    ReconcileResult result() {
        return new ReconcileResult(outcome, message, retryAfter);
    }
}
