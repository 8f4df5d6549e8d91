package dev.driftless.kafka;

import dev.driftless.event.BuildRequest;
import dev.driftless.event.BuildResult;
import dev.driftless.event.CommitObserved;
import dev.driftless.event.EvaluationResult;
import io.smallrye.reactive.messaging.OutgoingInterceptor;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Message;

/**
 * Keys each outgoing record: jobs and their results by host, so that one host's jobs stay in
 * order and spread over the workers' partitions; commits by branch; evaluations by commit. In
 * process the key is unused.
 */
@ApplicationScoped
public class RecordKeys implements OutgoingInterceptor {

    @Override
    public Message<?> beforeMessageSend(Message<?> message) {
        String key = keyOf(message.getPayload());
        if (key == null || message.getMetadata(OutgoingKafkaRecordMetadata.class).isPresent()) {
            return message;
        }
        return message.addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(key).build());
    }

    @Override
    public void onMessageAck(Message<?> message) {}

    @Override
    public void onMessageNack(Message<?> message, Throwable failure) {}

    static String keyOf(Object payload) {
        if (payload instanceof BuildRequest r) {
            return r.host();
        } else if (payload instanceof BuildResult r) {
            return r.host();
        } else if (payload instanceof CommitObserved c) {
            return c.branch();
        } else if (payload instanceof EvaluationResult e) {
            return e.sha();
        }
        return null;
    }
}
