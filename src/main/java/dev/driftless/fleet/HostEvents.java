package dev.driftless.fleet;

import dev.driftless.config.DriftlessConfig;
import dev.driftless.event.HostEvent;
import dev.driftless.metrics.DriftlessMetrics;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.subscription.BackPressureFailure;
import io.smallrye.mutiny.operators.multi.processors.BroadcastProcessor;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * Fans host events out to live streams (SSE) and listeners (notifications). Streams are bounded
 * twice, so that readers cannot make the controller hold events without limit: at most
 * {@code driftless.api.max-event-subscribers} at once, and each with a buffer of its own that, once
 * full, ends that stream rather than stalling the others or growing.
 */
@ApplicationScoped
public class HostEvents {

    private static final Logger LOG = Logger.getLogger(HostEvents.class);
    static final int PER_SUBSCRIBER_BUFFER = 1024;

    private final BroadcastProcessor<HostEvent> live = BroadcastProcessor.create();
    private final List<Consumer<HostEvent>> listeners = new CopyOnWriteArrayList<>();
    private final AtomicInteger subscribers = new AtomicInteger();
    private final int maxSubscribers;
    private final int buffer;
    private final Runnable dropped;

    @Inject
    HostEvents(DriftlessConfig config, DriftlessMetrics metrics) {
        this(config.api().maxEventSubscribers(), PER_SUBSCRIBER_BUFFER, metrics::eventSubscriberDropped);
        metrics.bindEventSubscribers(subscribers::get);
    }

    HostEvents(int maxSubscribers, int buffer, Runnable dropped) {
        this.maxSubscribers = maxSubscribers;
        this.buffer = buffer;
        this.dropped = dropped;
    }

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

    /**
     * Events from now on, or empty when {@link #maxSubscribers()} streams are open already. The
     * place is taken here, not at subscription, so that a burst of callers cannot all pass the
     * check; it is given back when the stream completes, fails or is cancelled. A reader that
     * falls {@code buffer} events behind is dropped: its stream completes, and it may reconnect.
     */
    public Optional<Multi<HostEvent>> subscribe() {
        if (subscribers.getAndUpdate(n -> n < maxSubscribers ? n + 1 : n) >= maxSubscribers) {
            return Optional.empty();
        }
        AtomicBoolean released = new AtomicBoolean();
        return Optional.of(live.onOverflow().buffer(buffer)
                .onFailure(BackPressureFailure.class).invoke(full -> {
                    LOG.warnf("dropped an event stream subscriber that fell %d events behind; it may reconnect", buffer);
                    dropped.run();
                })
                .onFailure(BackPressureFailure.class).recoverWithCompletion()
                .onTermination().invoke(() -> {
                    if (released.compareAndSet(false, true)) {
                        subscribers.decrementAndGet();
                    }
                }));
    }

    /** How many event streams may be open at once. */
    public int maxSubscribers() {
        return maxSubscribers;
    }

    public void listen(Consumer<HostEvent> listener) {
        listeners.add(listener);
    }
}
