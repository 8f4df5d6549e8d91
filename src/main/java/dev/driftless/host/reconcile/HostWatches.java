package dev.driftless.host.reconcile;

import dev.driftless.host.transport.HostTransport;
import dev.driftless.host.transport.HostWatch;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * One watch per reconciled host ({@link HostTransport#watch}), so that a generation switched by
 * hand is seen within a second or two instead of at the next resync: a change wakes the host's
 * reconcile. A reconcile that reached the host starts the watch, or starts it again when it
 * ended (a lost connection); the resync stays the guarantee, the watch only makes it sooner.
 */
final class HostWatches {

    private final boolean enabled;
    private final Map<String, HostWatch> watches = new ConcurrentHashMap<>();
    private volatile Consumer<String> wake = host -> {};

    HostWatches(boolean enabled) {
        this.enabled = enabled;
    }

    void onChange(Consumer<String> wake) {
        this.wake = wake;
    }

    /** The host was just reached over {@code transport}: make sure it is watched. */
    void ensure(String host, HostTransport transport) {
        if (!enabled) {
            return;
        }
        HostWatch held = watches.get(host);
        if (held != null && held.alive()) {
            return;
        }
        if (held != null) {
            held.close();
        }
        transport.watch(() -> wake.accept(host)).ifPresentOrElse(w -> watches.put(host, w), () -> watches.remove(host));
    }

    /** Stops watching the host: it is reconciled elsewhere now, or over another connection. */
    void forget(String host) {
        HostWatch gone = watches.remove(host);
        if (gone != null) {
            gone.close();
        }
    }

    int active() {
        return (int) watches.values().stream().filter(HostWatch::alive).count();
    }
}
