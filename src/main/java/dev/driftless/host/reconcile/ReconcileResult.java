package dev.driftless.host.reconcile;

import java.time.Duration;

/** How one reconciliation ended, and when the host wants to be looked at again. */
public record ReconcileResult(Outcome outcome, String detail, Duration retryAfter) {

    public enum Outcome {
        /** Actual equals desired; nothing was done. */
        CONVERGED,
        /** A deployment ran and the host now runs the desired generation. */
        DEPLOYED,
        /** A rollback someone asked for ran; the host is held on its previous generation. */
        CHANGED_BY_REQUEST,
        /** Nothing to do yet: no desired generation, or policy says report only. */
        WAITING,
        /** A deployment failed; the host was left on (or returned to) its previous generation. */
        FAILED,
        /** The host could not be reached; retry after {@link #retryAfter()}. */
        UNREACHABLE
    }

    public static ReconcileResult of(Outcome outcome, String detail) {
        return new ReconcileResult(outcome, detail, null);
    }
}
