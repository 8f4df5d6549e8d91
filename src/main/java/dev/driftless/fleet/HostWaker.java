package dev.driftless.fleet;

import java.util.Collection;

/** Asks the reconcile loop to look at hosts now instead of at the next resync. */
public interface HostWaker {

    void wake(Collection<String> hosts);
}
