package dev.driftless.host.transport;

/**
 * A watch on what a host runs between resyncs ({@link HostTransport#watch}): it calls back when
 * the host's current-system link or system profile changes. It may end by itself (its connection
 * was lost); the reconcile that finds it ended starts another, and the resync covers the gap.
 */
public interface HostWatch extends AutoCloseable {

    boolean alive();

    @Override
    void close();
}
