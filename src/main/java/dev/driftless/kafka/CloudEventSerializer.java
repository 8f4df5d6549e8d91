package dev.driftless.kafka;

import dev.driftless.event.CloudEventCodec;
import org.apache.kafka.common.serialization.Serializer;

/** Writes a Driftless event as a structured-mode CloudEvent; Kafka instantiates it by name. */
public class CloudEventSerializer implements Serializer<Object> {

    @Override
    public byte[] serialize(String topic, Object event) {
        if (event instanceof byte[] raw) {
            return raw; // a dead letter keeps the bytes it arrived with
        }
        return event == null ? null : CloudEventCodec.encode(event);
    }
}
