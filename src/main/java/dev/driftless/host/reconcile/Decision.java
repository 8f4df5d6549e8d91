package dev.driftless.host.reconcile;

import dev.driftless.host.Actual;
import dev.driftless.host.DriftCause;
import dev.driftless.host.HostState;

/** The one thing a reconciliation does to a host, and why. Made by {@link Decide}, carried out by {@link HostReconciler}. */
public sealed interface Decision {

    String reason();

    /** The host runs the desired generation and it passed its checks: nothing to do. */
    record Converged(String reason) implements Decision {}

    /** The host runs the desired generation but its checks have not passed since it was activated: run them. */
    record Verify(String reason) implements Decision {}

    /** Put the desired generation on the host; on failure return to {@code before}, what the host ran first. */
    record Deploy(DriftCause cause, Actual before, String reason) implements Decision {}

    /** A deployment was cut short too often (timeouts, lost connections): count it failed, and return to {@code before}. */
    record GiveUp(String reason) implements Decision {}

    /** A rollback someone asked for: to {@code target}, or to the profile's previous generation when null. */
    record RollBack(Actual target, String reason) implements Decision {}

    /** Touch nothing and show {@code state}: no desired generation yet, a hold, a quarantined generation. */
    record Wait(HostState state, String reason) implements Decision {}

    /** The host is not where it should be, and its policy says to report it, not to heal it. */
    record Report(DriftCause cause, String reason) implements Decision {}
}
