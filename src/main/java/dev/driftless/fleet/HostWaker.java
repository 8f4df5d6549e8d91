package dev.driftless.fleet;

import java.util.Collection;

/** Asks the reconcile loop to look at hosts now instead of at the next resync. */
public interface HostWaker {

    void wake(Collection<String> hosts);

    /**
     * A commit's inventory brought hosts under management, which are reconciled from now on (by
     * this controller, or by the one whose share they fall in), and let go of others, which are
     * not any more.
     */
    default void manage(Fleet.Managed change) {}
}
