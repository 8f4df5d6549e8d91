package dev.driftless.kafka;

import dev.driftless.event.BuildRequest;
import dev.driftless.event.BuildResult;
import dev.driftless.event.CloudEventCodec;
import dev.driftless.event.CommitObserved;
import dev.driftless.event.EvaluationResult;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Reads a structured-mode CloudEvent into the record its topic carries. A record that is not one
 * throws {@link CloudEventCodec.MalformedEvent}; the channel then sends it, bytes unchanged, to
 * the dead-letter topic with the reason in its headers, and goes on with the next record.
 */
public abstract class CloudEventDeserializer<T> implements Deserializer<T> {

    private final Class<T> expected;

    protected CloudEventDeserializer(Class<T> expected) {
        this.expected = expected;
    }

    @Override
    public T deserialize(String topic, byte[] data) {
        return CloudEventCodec.decode(data, expected);
    }

    public static class Commits extends CloudEventDeserializer<CommitObserved> {
        public Commits() {
            super(CommitObserved.class);
        }
    }

    public static class Evaluations extends CloudEventDeserializer<EvaluationResult> {
        public Evaluations() {
            super(EvaluationResult.class);
        }
    }

    public static class BuildRequests extends CloudEventDeserializer<BuildRequest> {
        public BuildRequests() {
            super(BuildRequest.class);
        }
    }

    public static class BuildResults extends CloudEventDeserializer<BuildResult> {
        public BuildResults() {
            super(BuildResult.class);
        }
    }
}
