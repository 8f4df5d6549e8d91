package dev.driftless.event;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.driftless.fleet.CommitRecord;
import dev.driftless.kafka.CloudEventDeserializer;
import java.util.List;
import java.util.function.Supplier;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Fuzzes what reaches a consumer from a topic anyone with write access to the broker can fill:
 * any bytes. Each topic's deserializer, the host events' decoder and the state topics' decoder
 * either give the event of the expected kind, which encodes back to the same event, or reject the
 * bytes with {@link CloudEventCodec.MalformedEvent}, the one failure the dead-letter handling
 * expects; never another exception. CI fuzzes it for a while (JAZZER_FUZZ=1, see pom.xml); a plain
 * run replays the seeds under CloudEventFuzzTestInputs.
 */
class CloudEventFuzzTest {

    private static final List<Deserializer<?>> TOPICS = List.of(new CloudEventDeserializer.Commits(),
            new CloudEventDeserializer.Evaluations(), new CloudEventDeserializer.BuildRequests(), new CloudEventDeserializer.BuildResults());
    private static final List<Class<?>> TOPIC_RECORDS = List.of(CommitObserved.class, EvaluationResult.class, BuildRequest.class, BuildResult.class);

    @FuzzTest(maxDuration = "10s")
    void anyBytesDecodeToTheEventTheyHoldOrAreRejectedAsMalformed(byte[] bytes) {
        for (int i = 0; i < TOPICS.size(); i++) {
            Deserializer<?> topic = TOPICS.get(i);
            Class<?> record = TOPIC_RECORDS.get(i);
            Object event = decodedOrMalformed(() -> topic.deserialize("driftless.fuzz", bytes));
            if (event != null) {
                assertTrue(record.isInstance(event), event.getClass() + " on a " + record.getSimpleName() + " topic");
                assertEquals(event, topic.deserialize("driftless.fuzz", CloudEventCodec.encode(event)), "decodes as it encodes");
            }
        }
        HostEvent hostEvent = decodedOrMalformed(() -> CloudEventCodec.decode(bytes, HostEvent.class));
        if (hostEvent != null) {
            assertTrue(hostEvent.type().startsWith(HostEvent.PREFIX), hostEvent.type());
            HostEvent again = CloudEventCodec.decode(CloudEventCodec.encode(hostEvent), HostEvent.class);
            assertEquals(List.of(hostEvent.id(), hostEvent.type(), hostEvent.subject(), hostEvent.time()),
                    List.of(again.id(), again.type(), again.subject(), again.time()), "decodes as it encodes");
        }
        decodedOrMalformed(() -> CloudEventCodec.decode(bytes, HostEvent.PREFIX + "state.commit", CommitRecord.class));
    }

    /** The decoded event, or null when the bytes were rejected as malformed; any other failure fails the test. */
    private static <T> T decodedOrMalformed(Supplier<T> decode) {
        try {
            T event = decode.get();
            assertTrue(event != null, "a decoder returns an event or throws");
            return event;
        } catch (CloudEventCodec.MalformedEvent malformed) {
            assertTrue(malformed.getMessage() != null && !malformed.getMessage().isBlank(), "a rejection says why");
            return null;
        }
    }
}
