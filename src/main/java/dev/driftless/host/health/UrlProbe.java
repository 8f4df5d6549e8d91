package dev.driftless.host.health;

import dev.driftless.secret.Redaction;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Fetches the URL of a {@link HealthCheck.Url} from the controller. Credentials in the URL go as
 * basic authentication and never into a message; a redirect is followed only on the same host and
 * never from https to http, so that they are never sent elsewhere. The whole fetch, redirects
 * included, ends within the check's timeout.
 */
public final class UrlProbe {

    static final int MAX_REDIRECTS = 5;
    static final int BODY_LIMIT = 2048;

    private volatile HttpClient client;

    /** Why the check failed, as the end of a sentence after its name; null when it passed. */
    String problem(HealthCheck.Url check) {
        long deadline = System.nanoTime() + check.timeout().toNanos();
        URI target = withoutUserInfo(check.url());
        String authorization = basic(check.url());
        for (int hop = 0; ; hop++) {
            HttpResponse<String> response;
            try {
                response = fetch(target, authorization, Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
            } catch (TimeoutException e) {
                return "gave no answer within " + Durations.shown(check.timeout());
            } catch (ConnectException e) {
                return "could not connect: " + (e.getMessage() == null ? "connection refused" : e.getMessage());
            } catch (Exception e) {
                return "failed: " + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
            }
            int status = response.statusCode();
            Integer expected = check.expectedStatus();
            if (status / 100 == 3 && (expected == null || status != expected) && response.headers().firstValue("Location").isPresent()) {
                URI next = resolve(target, response.headers().firstValue("Location").get());
                if (next == null || !sameHost(target, next)) {
                    return "answered " + status + " with a redirect to " + (next == null ? "an unreadable location" : HealthCheck.Url.shown(next))
                            + ", which goes to another host and is not followed";
                }
                if (hop < MAX_REDIRECTS) {
                    target = next;
                    continue;
                }
                return "answered " + status + " after " + MAX_REDIRECTS + " redirects, and is not followed further";
            }
            boolean healthy = expected == null ? status / 100 == 2 : status == expected;
            return healthy ? null : "answered " + status + (expected == null ? "" : " instead of " + expected) + said(response.body(), check.url());
        }
    }

    private HttpResponse<String> fetch(URI target, String authorization, Duration left) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(target).GET().timeout(left).header("User-Agent", "driftless-health-check");
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        CompletableFuture<HttpResponse<String>> answer = client().sendAsync(request.build(), info -> new BodyHead(BODY_LIMIT));
        try {
            return answer.get(left.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException | InterruptedException e) {
            answer.cancel(true);
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw e;
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof HttpTimeoutException) {
                throw new TimeoutException();
            }
            throw cause instanceof Exception x ? x : e;
        }
    }

    private HttpClient client() {
        HttpClient c = client;
        if (c == null) {
            synchronized (this) {
                if (client == null) {
                    client = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).version(HttpClient.Version.HTTP_1_1).build();
                }
                c = client;
            }
        }
        return c;
    }

    /** The head of the body, on one line, with the URL's credentials and query values masked in case it echoes them. */
    private static String said(String body, URI url) {
        String text = body.replaceAll("\\s+", " ").strip();
        if (text.isEmpty()) {
            return "";
        }
        List<String> secrets = new ArrayList<>(Redaction.secretsIn(url.toString()));
        String authorization = basic(url);
        if (authorization != null) {
            secrets.add(authorization.substring("Basic ".length())); // as a server that echoes its headers would show it
        }
        if (url.getRawQuery() != null) {
            for (String pair : url.getRawQuery().split("&")) {
                secrets.add(pair.substring(pair.indexOf('=') + 1));
            }
        }
        String shown = Redaction.redact(text, secrets);
        return ": " + (shown.length() > 500 ? shown.substring(0, 500) + "…" : shown);
    }

    static URI withoutUserInfo(URI url) {
        String authority = url.getRawAuthority();
        if (url.getRawUserInfo() == null) {
            return url;
        }
        String hostPort = authority.substring(authority.lastIndexOf('@') + 1);
        return URI.create(url.getScheme() + "://" + hostPort + (url.getRawPath() == null ? "" : url.getRawPath())
                + (url.getRawQuery() == null ? "" : "?" + url.getRawQuery()));
    }

    private static String basic(URI url) {
        String userInfo = url.getUserInfo();
        if (userInfo == null) {
            return null;
        }
        String pair = userInfo.contains(":") ? userInfo : userInfo + ":";
        return "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8));
    }

    private static URI resolve(URI base, String location) {
        try {
            URI next = base.resolve(location.strip());
            return next.getHost() == null ? null : next;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** Same host name, and not from https down to http, where the credentials would travel in the clear. */
    static boolean sameHost(URI from, URI to) {
        String fromScheme = from.getScheme().toLowerCase(Locale.ROOT);
        String toScheme = to.getScheme() == null ? "" : to.getScheme().toLowerCase(Locale.ROOT);
        boolean allowedScheme = toScheme.equals("https") || (toScheme.equals("http") && fromScheme.equals("http"));
        return allowedScheme && to.getRawUserInfo() == null && from.getHost().equalsIgnoreCase(to.getHost());
    }
}
