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
 * Keys each outgoing record: build batches by commit and first host, so that the batches of one
 * commit spread over the workers' partitions; their results, commits' evaluations by commit;
 * commits by branch. In process the key is unused.
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
            return r.sha() + "/" + r.firstHost();
        } else if (payload instanceof BuildResult r) {
            return r.sha();
        } else if (payload instanceof CommitObserved c) {
            return c.branch();
        } else if (payload instanceof EvaluationResult e) {
            return e.sha();
        }
        return null;
    }
}
