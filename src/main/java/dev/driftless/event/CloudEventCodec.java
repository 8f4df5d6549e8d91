package dev.driftless.event;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;

/**
 * Writes every message Driftless puts on Kafka as a CloudEvents 1.0 JSON envelope (structured
 * mode) and reads it back. The {@code type} attribute names the record; {@code subject} is the
 * commit (a build request or result carries a batch of hosts of one commit). Reading is strict: an envelope that is not JSON,
 * misses a required attribute, has an unknown type or a payload without its required fields is
 * rejected with a {@link MalformedEvent} that says which.
 */
public final class CloudEventCodec {

    public static final String SOURCE = "/driftless";

    /** One event type: its CloudEvents {@code type}, its record, how to name its subject, its required fields. */
    record Kind(String type, Class<?> record, Function<Object, String> subject, List<String> required) {}

    private static final List<Kind> KINDS = List.of(
            kind("commit.observed", CommitObserved.class, e -> ((CommitObserved) e).sha(), "sha", "branch"),
            kind("evaluation.succeeded", EvaluationResult.Evaluated.class, e -> ((EvaluationResult) e).sha(), "sha", "drvPaths"),
            kind("evaluation.failed", EvaluationResult.Failed.class, e -> ((EvaluationResult) e).sha(), "sha", "error"),
            kind("build.requested", BuildRequest.class, e -> ((BuildRequest) e).sha(), "sha", "drvPaths"),
            kind("build.succeeded", BuildResult.Built.class, e -> ((BuildResult) e).sha(), "sha", "drvPaths", "outPaths"),
            kind("build.failed", BuildResult.Failed.class, e -> ((BuildResult) e).sha(), "sha", "drvPaths", "failed", "error"));

    private static final ObjectMapper JSON = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private CloudEventCodec() {}

    /** Plain JSON of a record, the way the state store keeps values that have no columns of their own. */
    public static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot write " + value.getClass().getSimpleName() + " as JSON: " + e.getMessage(), e);
        }
    }

    /** The record {@link #json} wrote. */
    public static <T> T fromJson(String json, Class<T> type) {
        try {
            return JSON.readValue(json, type);
        } catch (IOException e) {
            throw new MalformedEvent("malformed " + type.getSimpleName() + ": " + e.getMessage());
        }
    }

    public static byte[] encode(Object event) {
        ObjectNode envelope = JSON.createObjectNode();
        envelope.put("specversion", "1.0");
        if (event instanceof HostEvent h) {
            envelope.put("id", h.id()).put("source", SOURCE).put("type", h.type()).put("subject", h.subject())
                    .put("time", h.time().toString()).put("datacontenttype", "application/json");
            if (h.commit() != null) {
                envelope.put("driftlesscommit", h.commit());
            }
            envelope.set("data", JSON.valueToTree(h.data()));
            return write(envelope);
        }
        Kind kind = kindOf(event.getClass());
        return encode(kind.type(), kind.subject().apply(event), event);
    }

    /** An envelope of any Driftless {@code type} around {@code data}, a record. */
    public static byte[] encode(String type, String subject, Object data) {
        ObjectNode envelope = JSON.createObjectNode();
        envelope.put("specversion", "1.0").put("id", UUID.randomUUID().toString()).put("source", SOURCE).put("type", type)
                .put("subject", subject).put("time", Instant.now().toString()).put("datacontenttype", "application/json");
        envelope.set("data", JSON.valueToTree(data));
        return write(envelope);
    }

    /** The data of an envelope that must be of {@code type}, read as {@code record}. */
    public static <T> T decode(byte[] bytes, String type, Class<T> record) {
        JsonNode envelope = parse(bytes);
        if (!type.equals(require(envelope, "type"))) {
            throw new MalformedEvent("expected " + type + " but got " + envelope.get("type").asText());
        }
        JsonNode data = dataOf(envelope, type);
        try {
            return JSON.treeToValue(data, record);
        } catch (IOException | IllegalArgumentException e) {
            throw new MalformedEvent(type + " has malformed data: " + e.getMessage());
        }
    }

    private static byte[] write(ObjectNode envelope) {
        try {
            return JSON.writeValueAsBytes(envelope);
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode " + envelope.path("type").asText() + ": " + e.getMessage(), e);
        }
    }

    /** Reads an envelope and returns its payload record, which must be one of {@code expected}. */
    public static <T> T decode(byte[] bytes, Class<T> expected) {
        JsonNode envelope = parse(bytes);
        String type = require(envelope, "type");
        for (String attribute : List.of("specversion", "id", "source")) {
            require(envelope, attribute);
        }
        if (!"1.0".equals(envelope.get("specversion").asText())) {
            throw new MalformedEvent("specversion " + envelope.get("specversion").asText() + " is not 1.0");
        }
        JsonNode data = dataOf(envelope, type);
        if (expected == HostEvent.class && type.startsWith(HostEvent.PREFIX)) {
            @SuppressWarnings("unchecked")
            Map<String, Object> fields = JSON.convertValue(data, Map.class);
            JsonNode commit = envelope.get("driftlesscommit");
            return expected.cast(new HostEvent("1.0", require(envelope, "id"), require(envelope, "source"), type,
                    require(envelope, "subject"), instant(envelope, "time"), commit == null ? null : commit.asText(), fields));
        }
        Kind kind = KINDS.stream().filter(k -> k.type().equals(type)).findFirst()
                .orElseThrow(() -> new MalformedEvent("unknown event type " + type));
        if (!expected.isAssignableFrom(kind.record())) {
            throw new MalformedEvent("event type " + type + " does not belong on a " + expected.getSimpleName() + " topic");
        }
        for (String field : kind.required()) {
            JsonNode value = data.get(field);
            if (value == null || value.isNull() || (value.isTextual() && value.asText().isBlank())) {
                throw new MalformedEvent(type + " lacks data." + field);
            }
        }
        try {
            return expected.cast(JSON.treeToValue(data, kind.record()));
        } catch (IOException | IllegalArgumentException e) {
            throw new MalformedEvent(type + " has malformed data: " + e.getMessage());
        }
    }

    private static JsonNode parse(byte[] bytes) {
        if (bytes == null || bytes.length == 0) {
            throw new MalformedEvent("empty message");
        }
        try {
            JsonNode node = JSON.readTree(bytes);
            if (node == null || !node.isObject()) {
                throw new MalformedEvent("not a JSON object: " + preview(bytes));
            }
            return node;
        } catch (IOException e) {
            throw new MalformedEvent("not JSON: " + preview(bytes));
        }
    }

    private static JsonNode dataOf(JsonNode envelope, String type) {
        JsonNode data = envelope.get("data");
        if (data == null || !data.isObject()) {
            throw new MalformedEvent(type + " has no data object");
        }
        return data;
    }

    private static String require(JsonNode envelope, String attribute) {
        JsonNode value = envelope.get(attribute);
        if (value == null || !value.isTextual() || value.asText().isBlank()) {
            throw new MalformedEvent("CloudEvent attribute " + attribute + " is missing");
        }
        return value.asText();
    }

    private static Instant instant(JsonNode envelope, String attribute) {
        String value = require(envelope, attribute);
        try {
            return Instant.parse(value);
        } catch (DateTimeParseException e) {
            throw new MalformedEvent("CloudEvent attribute " + attribute + " is not an RFC 3339 time: " + preview(value.getBytes(StandardCharsets.UTF_8)));
        }
    }

    private static Kind kindOf(Class<?> type) {
        return KINDS.stream().filter(k -> k.record() == type).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no CloudEvents type for " + type.getName()));
    }

    private static Kind kind(String name, Class<?> record, Function<Object, String> subject, String... required) {
        return new Kind(HostEvent.PREFIX + name, record, subject, List.of(required));
    }

    private static String preview(byte[] bytes) {
        String text = new String(bytes, 0, Math.min(bytes.length, 80), StandardCharsets.UTF_8).replaceAll("\\p{Cntrl}", "?");
        return bytes.length > 80 ? text + "…" : text;
    }

    /** A message that is not a Driftless CloudEvent of the expected kind. */
    public static final class MalformedEvent extends IllegalArgumentException {
        public MalformedEvent(String message) {
            super(message);
        }
    }
}
