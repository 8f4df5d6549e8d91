package dev.driftless.fleet;

import dev.driftless.event.HostEvent;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.operators.multi.processors.BroadcastProcessor;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/** Fans host events out to live streams (SSE) and listeners (notifications). */
@ApplicationScoped
public class HostEvents {

    private static final Logger LOG = Logger.getLogger(HostEvents.class);
    private static final int PER_SUBSCRIBER_BUFFER = 1024;

    private final BroadcastProcessor<HostEvent> live = BroadcastProcessor.create();
    private final List<Consumer<HostEvent>> listeners = new CopyOnWriteArrayList<>();

    public void publish(HostEvent event) {
        live.onNext(event);
        for (Consumer<HostEvent> listener : listeners) {
            try {
                listener.accept(event);
            } catch (RuntimeException e) {
                LOG.errorf(e, "host %s: an event listener failed on %s", event.host(), event.type());
            }
        }
    }

    /** Events from now on; a slow reader gets a buffer of its own rather than stalling the others. */
    public Multi<HostEvent> stream() {
        return live.onOverflow().buffer(PER_SUBSCRIBER_BUFFER);
    }

    public void listen(Consumer<HostEvent> listener) {
        listeners.add(listener);
    }
}
