package dev.driftless.source.webhook;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.driftless.api.SignedRequests;
import dev.driftless.config.DriftlessConfig;
import dev.driftless.metrics.DriftlessMetrics;
import dev.driftless.source.GitWatcher;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jboss.logging.Logger;

/**
 * Push webhooks from GitHub, Gitea/Forgejo, GitLab or anything that can sign a body. A valid push
 * to the followed branch of the followed repository fetches at once; the poll stays as the safety
 * net for a webhook that never comes. Every answer says what happened and is counted in
 * {@code driftless_webhook_requests_total{provider,result}}.
 */
@Path("/api/v1/webhooks/{provider}")
@SignedRequests
public class WebhookResource {

    private static final Logger LOG = Logger.getLogger(WebhookResource.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final WebhookSecrets secrets;
    private final GitWatcher watcher;
    private final DriftlessMetrics metrics;
    private final DriftlessConfig config;
    private final Deliveries deliveries = new Deliveries(10_000);
    private final ExecutorService fetcher = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "webhook-fetch");
        t.setDaemon(true);
        return t;
    });
    /** A fetch is queued; pushes that arrive meanwhile are served by it. */
    private final AtomicBoolean queued = new AtomicBoolean();

    WebhookResource(WebhookSecrets secrets, GitWatcher watcher, DriftlessMetrics metrics, DriftlessConfig config) {
        this.secrets = secrets;
        this.watcher = watcher;
        this.metrics = metrics;
        this.config = config;
    }

    @POST
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.APPLICATION_JSON)
    public Response receive(@PathParam("provider") String name, @Context HttpHeaders headers, InputStream input) throws IOException {
        WebhookProvider provider = WebhookProvider.of(name);
        if (provider == null) {
            return answer(null, 404, "unknown", "no webhook provider " + name + "; use github, gitea, gitlab or generic");
        }
        String secret = secrets.of(provider).orElse(null);
        if (secret == null) {
            return answer(provider, 404, "disabled", "the " + provider.path() + " webhook is off: set driftless.webhook."
                    + provider.path() + ".secret or .secret-file");
        }
        int limit = config.webhook().maxBodyBytes();
        byte[] body = input.readNBytes(limit + 1);
        if (body.length > limit) {
            return answer(provider, 413, "too_large", "payload over " + limit + " bytes (driftless.webhook.max-body-bytes)");
        }
        if (!provider.verify(headers::getHeaderString, body, secret)) {
            LOG.warnf("webhook %s: refused a request with a missing or wrong signature; check the secret configured at the provider",
                    provider.path());
            return answer(provider, 401, "unauthorized", "missing or wrong signature");
        }
        JsonNode json;
        try {
            json = JSON.readTree(body);
        } catch (IOException e) {
            json = null;
        }
        if (json == null || !json.isObject()) {
            return answer(provider, 400, "malformed", "the body is not a JSON object");
        }
        PushNotice notice = provider.read(headers::getHeaderString, json);
        if (!deliveries.firstTime(provider.path(), notice.deliveryId())) {
            return answer(provider, 200, "duplicate", "delivery " + notice.deliveryId() + " was handled already");
        }
        return switch (notice.kind()) {
            case PING -> answer(provider, 200, "ping", "pong");
            case OTHER -> answer(provider, 202, "ignored", "event " + notice.event() + " is not a push");
            case PUSH -> push(provider, notice);
        };
    }

    private Response push(WebhookProvider provider, PushNotice notice) {
        String branch = "refs/heads/" + config.git().branch();
        if (!branch.equals(notice.ref())) {
            return answer(provider, 202, "ignored", "push to " + notice.ref() + ", not the followed " + branch);
        }
        String followed = config.git().url();
        if (!notice.repositoryUrls().isEmpty() && notice.repositoryUrls().stream().noneMatch(u -> RepositoryUrls.same(u, followed))) {
            return answer(provider, 202, "ignored", "push to another repository than the followed one");
        }
        if (!watcher.leads()) {
            return answer(provider, 202, "accepted", "another controller leads rollouts; it fetches " + config.git().branch()
                    + " at its next poll");
        }
        LOG.infof("webhook %s delivery %s: push of %.12s to %s; fetching now", provider.path(), notice.deliveryId(),
                String.valueOf(notice.after()), config.git().branch());
        if (queued.compareAndSet(false, true)) {
            fetcher.execute(() -> {
                queued.set(false); // a push arriving from here on needs another fetch
                watcher.fetchNow();
            });
        }
        return answer(provider, 202, "accepted", "fetching " + config.git().branch() + " now");
    }

    private Response answer(WebhookProvider provider, int status, String result, String message) {
        if (provider != null) {
            metrics.webhook(provider.path(), result);
        }
        Map<String, String> body = new LinkedHashMap<>();
        body.put("result", result);
        body.put("message", message);
        return Response.status(status).type(MediaType.APPLICATION_JSON).entity(body).build();
    }
}
