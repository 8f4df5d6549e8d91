package dev.driftless.event;

import io.smallrye.mutiny.operators.multi.processors.UnicastProcessor;
import io.smallrye.reactive.messaging.connector.InboundConnector;
import io.smallrye.reactive.messaging.connector.OutboundConnector;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Flow;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.spi.Connector;

/**
 * Carries messages between an {@code -out} and an {@code -in} channel inside the JVM, one
 * stream per {@code topic}. The stream buffers without bound until its consumer asks, so an
 * event emitted before the consumer subscribed, or while it is busy, is never dropped.
 */
@ApplicationScoped
@Connector(InProcessConnector.NAME)
public class InProcessConnector implements InboundConnector, OutboundConnector {

    public static final String NAME = "driftless-in-process";

    private final Map<String, UnicastProcessor<Message<?>>> topics = new ConcurrentHashMap<>();
    private final Map<String, Boolean> consumed = new ConcurrentHashMap<>();

    @Override
    public Flow.Publisher<? extends Message<?>> getPublisher(Config config) {
        String topic = topic(config);
        if (consumed.putIfAbsent(topic, Boolean.TRUE) != null) {
            throw new IllegalStateException("in-process topic " + topic + " already has a consumer; give each -in channel its own topic");
        }
        return stream(topic);
    }

    @Override
    public Flow.Subscriber<? extends Message<?>> getSubscriber(Config config) {
        UnicastProcessor<Message<?>> stream = stream(topic(config));
        return new Flow.Subscriber<Message<?>>() {
            @Override
            public void onSubscribe(Flow.Subscription subscription) {
                subscription.request(Long.MAX_VALUE);
            }

            @Override
            public void onNext(Message<?> message) {
                // The message travels as is, so the consumer's ack completes the emitter's future.
                stream.onNext(message);
            }

            @Override
            public void onError(Throwable failure) {
                stream.onError(failure);
            }

            @Override
            public void onComplete() {
                // Producers come and go with the application; the stream stays open for the consumer.
            }
        };
    }

    private UnicastProcessor<Message<?>> stream(String topic) {
        return topics.computeIfAbsent(topic, t -> UnicastProcessor.create());
    }

    private static String topic(Config config) {
        return config.getOptionalValue("topic", String.class)
                .orElseGet(() -> config.getValue("channel-name", String.class));
    }
}
