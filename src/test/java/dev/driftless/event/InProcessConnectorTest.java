package dev.driftless.event;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.smallrye.mutiny.Multi;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Flow;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.junit.jupiter.api.Test;

class InProcessConnectorTest {

    private static Config topic(String name) {
        return new SmallRyeConfigBuilder().withSources(new PropertiesConfigSource(Map.of("topic", name), "test", 100)).build();
    }

    @SuppressWarnings("unchecked")
    private static void send(Flow.Subscriber<? extends Message<?>> subscriber, List<String> payloads) {
        Multi.createFrom().iterable(payloads).map(Message::of).subscribe((Flow.Subscriber<Message<String>>) subscriber);
    }

    @Test
    void eventsSentBeforeTheConsumerSubscribesAreDeliveredInOrder() {
        InProcessConnector connector = new InProcessConnector();
        send(connector.getSubscriber(topic("t")), List.of("a", "b", "c"));

        List<Object> received = Multi.createFrom().publisher(connector.getPublisher(topic("t")))
                .map(m -> (Object) m.getPayload()).select().first(3).collect().asList().await().atMost(Duration.ofSeconds(5));

        assertEquals(List.of("a", "b", "c"), received);
    }

    @Test
    void topicsAreSeparate() {
        InProcessConnector connector = new InProcessConnector();
        send(connector.getSubscriber(topic("one")), List.of("1"));
        send(connector.getSubscriber(topic("two")), List.of("2"));

        Object first = Multi.createFrom().publisher(connector.getPublisher(topic("two")))
                .map(m -> (Object) m.getPayload()).toUni().await().atMost(Duration.ofSeconds(5));

        assertEquals("2", first);
    }

    @Test
    void secondConsumerOfOneTopicIsRefused() {
        InProcessConnector connector = new InProcessConnector();
        connector.getPublisher(topic("t"));
        assertThrows(IllegalStateException.class, () -> connector.getPublisher(topic("t")));
    }
}
