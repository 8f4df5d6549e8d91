package dev.driftless.host.reconcile;

import java.time.Duration;

/** How one reconciliation ended, and when the host wants to be looked at again. */
public record ReconcileResult(Outcome outcome, String detail, Duration retryAfter) {

    public enum Outcome {
        /** Actual equals desired and passed its checks; nothing was done but, perhaps, the checks. */
        CONVERGED,
        /** A deployment ran and the host now runs the desired generation. */
        DEPLOYED,
        /** A rollback someone asked for ran; the host is held on its previous generation. */
        CHANGED_BY_REQUEST,
        /** Nothing to do: no desired generation, a hold, a quarantined generation, or policy says report only. */
        WAITING,
        /** A deployment failed; the host was left on (or returned to) its previous generation, or needs a person. */
        FAILED,
        /** The host could not be reached, or a step from an earlier attempt still runs there; retry after {@link #retryAfter()}. */
        UNREACHABLE
    }

    public static ReconcileResult of(Outcome outcome, String detail) {
        return new ReconcileResult(outcome, detail, null);
    }
}
