package dev.driftless.host.transport;

import java.util.concurrent.Semaphore;

/**
 * How many nix steps against stores on this machine run at once. Such a step (a {@code nix
 * copy} into a local store, a {@code nix-env} profile change) works this machine's CPUs and disk,
 * not a network, so more of them than there are cores only makes each slower: measured by
 * bench/local-fleet.sh on 2 cores, 500 directory hosts rolled out 1.55x to 1.74x slower than a
 * script at 4 at once, and 1.06x at 2. SSH hosts keep {@code driftless.deploy.parallelism}: their
 * steps mostly wait on the network. Activations and health checks are not held here: they wait
 * on services, and a slow one must not stall other hosts' copies.
 */
public final class LocalWork {

    private final Semaphore permits;

    public LocalWork(int permits) {
        this.permits = new Semaphore(Math.max(1, permits), true);
    }

    /** One step at a time per core of this machine. */
    public static LocalWork perCore() {
        return new LocalWork(Runtime.getRuntime().availableProcessors());
    }

    /** A permit held while one step runs; closing it lets the next step in. */
    public interface Slot extends AutoCloseable {
        @Override
        void close();
    }

    /** Waits for a permit; empty when interrupted (the process is stopping). */
    public java.util.Optional<Slot> enter() {
        try {
            permits.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(permits::release);
    }

    int available() {
        return permits.availablePermits();
    }
}
