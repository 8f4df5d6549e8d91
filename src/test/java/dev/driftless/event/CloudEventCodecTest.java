package dev.driftless.event;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class CloudEventCodecTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant AT = Instant.parse("2026-11-25T10:00:00Z");

    static List<Object> everyJobEvent() {
        return List.of(
                new CommitObserved("abc123", "main", "web1: change", "Ada", AT, AT.plusSeconds(1)),
                new EvaluationResult.Evaluated("abc123", Map.of("web1", "/nix/store/x-web1.drv"), new dev.driftless.inventory.DeclaredHosts(
                        "deploy-rs", Map.of("web1", Map.of("hostname", "10.0.0.1", "sshOpts", List.of("-p", "2222"))), Map.of("sshUser", "deploy"),
                        List.of(), List.of("web1"))),
                new EvaluationResult.Failed("abc123", "error: syntax error"),
                new BuildRequest("abc123", Map.of("web1", "/nix/store/x-web1.drv", "web2", "/nix/store/x-web2.drv")),
                new BuildResult.Built("abc123", Map.of("web1", "/nix/store/x-web1.drv"), Map.of("web1", "/nix/store/y-web1")),
                new BuildResult.Failed("abc123", Map.of("web1", "/nix/store/x-web1.drv", "web2", "/nix/store/x-web2.drv"),
                        List.of("web2"), "builder failed"));
    }

    @Test
    void everyJobEventSurvivesTheRoundTripAsAStructuredCloudEvent() throws IOException {
        for (Object event : everyJobEvent()) {
            byte[] bytes = CloudEventCodec.encode(event);
            JsonNode envelope = JSON.readTree(bytes);
            assertEquals("1.0", envelope.path("specversion").asText());
            assertEquals("application/json", envelope.path("datacontenttype").asText());
            assertTrue(envelope.path("type").asText().startsWith("dev.driftless."), envelope.toString());
            assertEquals(event, CloudEventCodec.decode(bytes, topicType(event)), envelope.toString());
        }
    }

    @Test
    void hostEventsKeepTheirIdTypeSubjectAndCommit() {
        HostEvent event = HostEvent.of(HostEvent.INCIDENT_OPENED, "web1", "abc123", Map.of("incident", 7, "cause", "out-of-band"));
        HostEvent back = CloudEventCodec.decode(CloudEventCodec.encode(event), HostEvent.class);
        assertEquals(event.id(), back.id());
        assertEquals(event.type(), back.type());
        assertEquals("web1", back.subject());
        assertEquals("abc123", back.commit());
        assertEquals(7, back.data().get("incident"));
    }

    @Test
    void recordsThatAreNotOurCloudEventsAreRejectedWithTheReason() {
        String valid = new String(CloudEventCodec.encode(new BuildRequest("abc", Map.of("web1", "/nix/store/x.drv"))), StandardCharsets.UTF_8);
        Map<String, String> bad = new HashMap<>();
        bad.put("not json", "not JSON");
        bad.put("[1,2]", "not a JSON object");
        bad.put(valid.replace("\"specversion\":\"1.0\"", "\"specversion\":\"0.3\""), "specversion");
        bad.put(valid.replace("\"type\":\"dev.driftless.build.requested\"", "\"type\":\"com.example.other\""), "unknown event type");
        bad.put(valid.replace("\"sha\":\"abc\"", "\"sha\":\"\""), "lacks data.sha");
        bad.put(valid.replaceAll("\"drvPaths\":\\{[^}]*\\}", "\"drvPaths\":null"), "lacks data.drvPaths");
        bad.put(valid.replaceAll("\"id\":\"[^\"]+\",", ""), "attribute id");
        for (Map.Entry<String, String> b : bad.entrySet()) {
            CloudEventCodec.MalformedEvent e = assertThrows(CloudEventCodec.MalformedEvent.class,
                    () -> CloudEventCodec.decode(b.getKey().getBytes(StandardCharsets.UTF_8), BuildRequest.class), b.getKey());
            assertTrue(e.getMessage().contains(b.getValue()), e.getMessage() + " names " + b.getValue());
        }
        assertThrows(CloudEventCodec.MalformedEvent.class, () -> CloudEventCodec.decode(new byte[0], BuildRequest.class));
    }

    @Test
    void anEventOfAnotherTopicIsRejectedRatherThanMisread() {
        byte[] commit = CloudEventCodec.encode(new CommitObserved("abc", "main", "m", "a", AT, AT));
        CloudEventCodec.MalformedEvent e = assertThrows(CloudEventCodec.MalformedEvent.class,
                () -> CloudEventCodec.decode(commit, BuildResult.class));
        assertTrue(e.getMessage().contains("does not belong"), e.getMessage());
    }

    @Test
    void everyJobEventCarriesTheFieldsDocsEventsMdRequires() throws IOException {
        String doc = Files.readString(Path.of("docs/events.md"));
        for (Object event : everyJobEvent()) {
            JsonNode envelope = JSON.readTree(CloudEventCodec.encode(event));
            String type = envelope.path("type").asText().substring("dev.driftless.".length());
            Matcher section = Pattern.compile("### `" + Pattern.quote(type) + "`.*?```json\\n(.*?)```", Pattern.DOTALL).matcher(doc);
            assertTrue(section.find(), "docs/events.md documents " + type);
            JsonNode schema = JSON.readTree(section.group(1));
            for (JsonNode required : schema.path("required")) {
                assertTrue(envelope.path("data").has(required.asText()), type + " carries " + required.asText());
            }
            envelope.path("data").fieldNames().forEachRemaining(field ->
                    assertTrue(schema.path("properties").has(field), type + "'s field " + field + " is documented"));
        }
    }

    private static Class<?> topicType(Object event) {
        if (event instanceof EvaluationResult) {
            return EvaluationResult.class;
        }
        return event instanceof BuildResult ? BuildResult.class : event.getClass();
    }
}
