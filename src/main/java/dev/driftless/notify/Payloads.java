package dev.driftless.notify;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.driftless.event.HostEvent;
import dev.driftless.secret.Redaction;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.Map;

/** What each kind of target expects: the event as JSON, a Slack message, or an ntfy post. */
final class Payloads {

    private static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

    private Payloads() {}

    /** Everything sent is redacted once more: a notification leaves for a third party's service. */
    static HttpRequest request(String type, URI url, HostEvent event) {
        HttpRequest.Builder request = HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(10));
        return switch (type) {
            case "slack" -> request.header("Content-Type", "application/json")
                    .POST(body(json(Map.of("text", text(event))))).build();
            case "ntfy" -> request.header("Title", Redaction.redact(title(event))).header("Tags", tags(event))
                    .header("Priority", event.type().endsWith(".closed") || event.type().endsWith(".succeeded") ? "default" : "high")
                    .POST(body(text(event))).build();
            default -> request.header("Content-Type", "application/cloudevents+json")
                    .POST(body(json(event))).build();
        };
    }

    private static HttpRequest.BodyPublisher body(String text) {
        return HttpRequest.BodyPublishers.ofString(Redaction.redact(text));
    }

    /** The same incident or deployment announced twice is one notification. */
    static String dedupKey(HostEvent event) {
        Object incident = event.data().get("incident");
        return event.type() + "|" + event.host() + "|" + (incident != null ? incident : event.commit() + "|" + event.data().get("path"));
    }

    static String title(HostEvent event) {
        String what = event.type().substring(HostEvent.PREFIX.length());
        return "Driftless: " + event.host() + " " + what.replace('.', ' ');
    }

    static String text(HostEvent event) {
        Map<String, Object> d = event.data();
        String commit = event.commit() == null ? "" : " (commit " + event.commit().substring(0, Math.min(12, event.commit().length())) + ")";
        return switch (event.type()) {
            case HostEvent.INCIDENT_OPENED -> d.get("check") != null
                    ? event.host() + " drifted, " + d.get("check") + " check" + commit + ": "
                            + String.valueOf(d.getOrDefault("message", "")).replaceFirst("^" + java.util.regex.Pattern.quote(d.get("check") + ": "), "")
                    : event.host() + " diverged: " + d.get("cause") + commit + ". " + d.getOrDefault("message", "");
            case HostEvent.INCIDENT_CLOSED -> event.host() + " is in sync again after " + d.get("recoverySeconds") + " s (" + d.get("cause") + ")" + commit;
            case HostEvent.DEPLOYMENT_FAILED, HostEvent.DEPLOYMENT_ROLLED_BACK ->
                    event.host() + " deployment " + d.get("result") + commit + ": " + d.getOrDefault("message", "");
            default -> title(event) + commit;
        };
    }

    private static String tags(HostEvent event) {
        return event.type().endsWith(".closed") || event.type().endsWith(".succeeded") ? "white_check_mark" : "warning";
    }

    private static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write notification JSON", e);
        }
    }
}
