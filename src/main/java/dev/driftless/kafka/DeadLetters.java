package dev.driftless.kafka;

import dev.driftless.metrics.DriftlessMetrics;
import io.smallrye.common.annotation.Identifier;
import io.smallrye.reactive.messaging.kafka.DeserializationFailureHandler;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.common.header.Headers;
import org.jboss.logging.Logger;

/**
 * Called for each record a channel cannot read. It says so, counts it, and returns no value: the
 * channel's dead-letter strategy then moves the record, bytes unchanged, to
 * {@link Topics#DEAD_LETTER} and goes on with the next one.
 */
@ApplicationScoped
@Identifier(DeadLetters.NAME)
public class DeadLetters implements DeserializationFailureHandler<Object> {

    public static final String NAME = "driftless-dead-letters";
    private static final Logger LOG = Logger.getLogger(DeadLetters.class);

    private final DriftlessMetrics metrics;

    DeadLetters(DriftlessMetrics metrics) {
        this.metrics = metrics;
    }

    @Override
    public Object handleDeserializationFailure(String topic, boolean isKey, String deserializer, byte[] data, Exception exception,
            Headers headers) {
        metrics.deadLetter(topic);
        LOG.errorf("a record on %s is not a Driftless CloudEvent (%s); it was moved unchanged to %s and processing goes on. "
                + "Find what wrote it with the record's headers there, and fix or stop that producer.", topic,
                exception.getMessage(), Topics.DEAD_LETTER);
        return null;
    }
}
