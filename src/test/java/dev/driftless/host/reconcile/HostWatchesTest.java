package dev.driftless.host.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.driftless.host.transport.HostWatch;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** One watch per host: started by the run that reached it, started again once it ended, never two. */
class HostWatchesTest {

    /** A watch whose liveness the test decides. */
    static final class Held implements HostWatch {
        boolean alive = true;
        boolean closed;

        @Override
        public boolean alive() {
            return alive && !closed;
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    /** A host that hands out watches and keeps the callbacks it was given. */
    static final class Watchable extends HostActionsTest.ScriptedHost {
        final List<Held> started = new ArrayList<>();
        final List<Runnable> callbacks = new ArrayList<>();
        boolean refuses;

        Watchable() {
            super(new dev.driftless.host.Actual("/nix/store/aaa-host", 1), java.util.Map.of());
        }

        @Override
        public Optional<HostWatch> watch(Runnable changed) {
            if (refuses) {
                return Optional.empty();
            }
            Held w = new Held();
            started.add(w);
            callbacks.add(changed);
            return Optional.of(w);
        }
    }

    @Test
    void aLiveWatchIsKeptAnEndedOneIsReplacedAndAChangeWakesItsHost() {
        HostWatches watches = new HostWatches(true);
        List<String> woken = new ArrayList<>();
        watches.onChange(woken::add);
        Watchable host = new Watchable();

        watches.ensure("web1", host);
        watches.ensure("web1", host);
        assertEquals(1, host.started.size(), "one watch per host");

        host.started.get(0).alive = false; // its connection was lost
        watches.ensure("web1", host);
        assertEquals(2, host.started.size());
        assertEquals(true, host.started.get(0).closed, "the ended one is let go");

        host.callbacks.get(1).run();
        assertEquals(List.of("web1"), woken);

        watches.forget("web1");
        assertEquals(true, host.started.get(1).closed);
        assertEquals(0, watches.active());
    }

    @Test
    void aHostThatCannotBeWatchedYetIsTriedAgainAndNothingIsWatchedWhenTurnedOff() {
        HostWatches watches = new HostWatches(true);
        Watchable host = new Watchable();
        host.refuses = true; // a local host before its first deployment made run/
        watches.ensure("web1", host);
        assertEquals(0, watches.active());
        host.refuses = false;
        watches.ensure("web1", host);
        assertEquals(1, watches.active());

        Watchable other = new Watchable();
        new HostWatches(false).ensure("web2", other);
        assertEquals(0, other.started.size(), "driftless.reconcile.watch=false");
    }
}
