package dev.driftless.notify;

import dev.driftless.config.DriftlessConfig;
import dev.driftless.event.HostEvent;
import dev.driftless.fleet.HostEvents;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Sends incidents and failed deployments to webhook, Slack and ntfy targets. Each event goes
 * to each target once (a redelivered event is dropped), with retries and backoff when the
 * target fails. Target URLs may carry tokens, so logs name targets, never URLs.
 */
@ApplicationScoped
public class Notifier {

    private static final Logger LOG = Logger.getLogger(Notifier.class);
    static final List<String> DEFAULT_EVENTS = List.of("incident.opened", "incident.closed", "deployment.failed", "deployment.rolled-back");
    private static final int ATTEMPTS = 4;

    private final Map<String, DriftlessConfig.NotifyTarget> targets;
    private final HostEvents events;
    /** Made at the first notification: building one sets up TLS, which costs every start time, targets or not. */
    private HttpClient http;
    private final ScheduledExecutorService sender = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "notify");
        t.setDaemon(true);
        return t;
    });
    /** Keys already sent, bounded so a long run does not grow it forever. */
    private final Set<String> sent = Collections.newSetFromMap(new LinkedHashMap<>(256, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > 10_000;
        }
    });

    Notifier(DriftlessConfig config, HostEvents events) {
        this.targets = config.notifications();
        this.events = events;
    }

    void onStart(@Observes StartupEvent start) {
        if (!targets.isEmpty()) {
            events.listen(this::accept);
            LOG.infof("notifications go to %s", targets.keySet());
        }
    }

    void onStop(@Observes ShutdownEvent stop) {
        sender.shutdownNow();
    }

    void accept(HostEvent event) {
        String shortType = event.type().substring(HostEvent.PREFIX.length());
        targets.forEach((name, target) -> {
            if (!target.events().orElse(DEFAULT_EVENTS).contains(shortType) || !firstTime(name, event)) {
                return;
            }
            HttpRequest request = Payloads.request(target.type(), URI.create(target.url()), event);
            sender.execute(() -> send(name, request, event, 1));
        });
    }

    private synchronized HttpClient client() {
        if (http == null) {
            http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        }
        return http;
    }

    private synchronized boolean firstTime(String target, HostEvent event) {
        return sent.add(target + "|" + Payloads.dedupKey(event));
    }

    private void send(String target, HttpRequest request, HostEvent event, int attempt) {
        String failure;
        try {
            HttpResponse<Void> response = client().send(request, HttpResponse.BodyHandlers.discarding());
            if (response.statusCode() / 100 == 2) {
                LOG.debugf("host %s: %s sent to %s", event.host(), event.type(), target);
                return;
            }
            failure = "HTTP " + response.statusCode();
        } catch (java.io.IOException e) {
            failure = e.getClass().getSimpleName();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        if (attempt >= ATTEMPTS) {
            LOG.errorf("host %s: could not notify %s of %s after %d attempts (%s); check driftless.notify.%s.url", event.host(),
                    target, event.type(), attempt, failure, target);
            return;
        }
        long delay = 1000L << (attempt - 1);
        LOG.warnf("host %s: notifying %s of %s failed (%s); retrying in %d ms", event.host(), target, event.type(), failure, delay);
        sender.schedule(() -> send(target, request, event, attempt + 1), delay, TimeUnit.MILLISECONDS);
    }
}
