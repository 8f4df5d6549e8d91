package dev.driftless.notify;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.driftless.event.HostEvent;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import org.junit.jupiter.api.Test;

class PayloadsTest {

    private static final String TOKEN = "ghp_notify0123456789abcdef";

    @Test
    void noKindOfNotificationCarriesCredentialsEvenFromAnEventThatStillHasThem() throws Exception {
        // Made directly, not through HostEvent.of, as an event read from another process's Kafka record may be.
        HostEvent event = new HostEvent("1.0", "id", "driftless", HostEvent.DEPLOYMENT_FAILED, "web1", Instant.EPOCH, "abc",
                Map.of("result", "failed", "message", "copy from https://" + TOKEN + "@cache.example.org failed"));
        for (String type : List.of("webhook", "slack", "ntfy")) {
            String body = body(Payloads.request(type, URI.create("http://127.0.0.1:1/hook"), event));
            assertTrue(body.contains("https://***@cache.example.org"), type + ": " + body);
            assertFalse(body.contains(TOKEN), type + ": " + body);
        }
    }

    @Test
    void aDeepDriftIncidentNamesItsCheckAndItsEvidenceInEveryKindOfNotification() throws Exception {
        HostEvent event = HostEvent.of(HostEvent.INCIDENT_OPENED, "web1", "0123456789abcdef", Map.of("incident", 7, "cause", "etc", "check", "etc",
                "message", "etc: runs the committed generation, but /etc/motd was replaced by a regular file"));
        assertTrue(Payloads.text(event).startsWith("web1 drifted, etc check (commit 0123456789ab): runs the committed generation, but /etc/motd"),
                Payloads.text(event));
        for (String type : List.of("webhook", "slack", "ntfy")) {
            String body = body(Payloads.request(type, URI.create("http://127.0.0.1:1/hook"), event));
            assertTrue(body.contains("/etc/motd was replaced by a regular file") && body.contains("etc"), type + ": " + body);
        }
    }

    private static String body(HttpRequest request) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        CompletableFuture<String> done = new CompletableFuture<>();
        request.bodyPublisher().orElseThrow().subscribe(new Flow.Subscriber<ByteBuffer>() {
            @Override
            public void onSubscribe(Flow.Subscription subscription) {
                subscription.request(Long.MAX_VALUE);
            }

            @Override
            public void onNext(ByteBuffer item) {
                byte[] bytes = new byte[item.remaining()];
                item.get(bytes);
                out.writeBytes(bytes);
            }

            @Override
            public void onError(Throwable failure) {
                done.completeExceptionally(failure);
            }

            @Override
            public void onComplete() {
                done.complete(out.toString(StandardCharsets.UTF_8));
            }
        });
        return done.get();
    }
}
