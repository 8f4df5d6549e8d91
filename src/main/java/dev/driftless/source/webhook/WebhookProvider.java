package dev.driftless.source.webhook;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.UnaryOperator;

/**
 * Each provider's headers, signature and push payload, as they send them. The signature is
 * always checked on the raw body before the body is parsed.
 */
enum WebhookProvider {

    /** {@code X-Hub-Signature-256: sha256=<hex>}, {@code X-GitHub-Event}, {@code X-GitHub-Delivery}. */
    GITHUB("github") {
        @Override
        boolean verify(UnaryOperator<String> headers, byte[] body, String secret) {
            return Signatures.prefixedHmacMatches(secret, body, headers.apply("X-Hub-Signature-256"));
        }

        @Override
        PushNotice read(UnaryOperator<String> headers, JsonNode json) {
            return githubLike(headers.apply("X-GitHub-Event"), headers.apply("X-GitHub-Delivery"), json);
        }
    },

    /** Gitea and Forgejo: {@code X-Gitea-Signature: <hex>} (or {@code X-Forgejo-Signature}), {@code X-Gitea-Event}. */
    GITEA("gitea") {
        @Override
        boolean verify(UnaryOperator<String> headers, byte[] body, String secret) {
            String given = first(headers, "X-Gitea-Signature", "X-Forgejo-Signature");
            return Signatures.hmacMatches(secret, body, given);
        }

        @Override
        PushNotice read(UnaryOperator<String> headers, JsonNode json) {
            return githubLike(first(headers, "X-Gitea-Event", "X-Forgejo-Event"), first(headers, "X-Gitea-Delivery", "X-Forgejo-Delivery"),
                    json);
        }
    },

    /** {@code X-Gitlab-Token: <secret>} as sent, {@code X-Gitlab-Event: Push Hook}, {@code X-Gitlab-Event-UUID}. */
    GITLAB("gitlab") {
        @Override
        boolean verify(UnaryOperator<String> headers, byte[] body, String secret) {
            return Signatures.constantTimeEquals(secret, headers.apply("X-Gitlab-Token"));
        }

        @Override
        PushNotice read(UnaryOperator<String> headers, JsonNode json) {
            String event = headers.apply("X-Gitlab-Event");
            PushNotice.Kind kind = "Push Hook".equals(event) || "push".equals(json.path("object_kind").asText())
                    ? PushNotice.Kind.PUSH : PushNotice.Kind.OTHER;
            List<String> urls = texts(json.path("project"), "git_http_url", "git_ssh_url", "web_url", "http_url", "ssh_url");
            urls.addAll(texts(json.path("repository"), "git_http_url", "git_ssh_url", "homepage", "url"));
            return new PushNotice(kind, event, headers.apply("X-Gitlab-Event-UUID"), json.path("ref").asText(null),
                    json.path("after").asText(null), urls);
        }
    },

    /** Anything else: {@code X-Driftless-Signature: sha256=<hex>}, body {@code {"ref": ..., "after": ..., "repository": ...}}. */
    GENERIC("generic") {
        @Override
        boolean verify(UnaryOperator<String> headers, byte[] body, String secret) {
            return Signatures.prefixedHmacMatches(secret, body, headers.apply("X-Driftless-Signature"));
        }

        @Override
        PushNotice read(UnaryOperator<String> headers, JsonNode json) {
            PushNotice.Kind kind = json.has("ref") ? PushNotice.Kind.PUSH : PushNotice.Kind.PING;
            List<String> urls = new ArrayList<>();
            if (json.path("repository").isTextual()) {
                urls.add(json.path("repository").asText());
            }
            return new PushNotice(kind, "push", headers.apply("X-Driftless-Delivery"), json.path("ref").asText(null),
                    json.path("after").asText(null), urls);
        }
    };

    private final String path;

    WebhookProvider(String path) {
        this.path = path;
    }

    String path() {
        return path;
    }

    /** True when the request carries the provider's proof that it knows the secret. */
    abstract boolean verify(UnaryOperator<String> headers, byte[] body, String secret);

    abstract PushNotice read(UnaryOperator<String> headers, JsonNode json);

    static WebhookProvider of(String path) {
        for (WebhookProvider p : values()) {
            if (p.path.equals(path.toLowerCase(Locale.ROOT))) {
                return p;
            }
        }
        return null;
    }

    private static PushNotice githubLike(String event, String delivery, JsonNode json) {
        PushNotice.Kind kind = "push".equals(event) ? PushNotice.Kind.PUSH
                : "ping".equals(event) ? PushNotice.Kind.PING : PushNotice.Kind.OTHER;
        List<String> urls = texts(json.path("repository"), "clone_url", "ssh_url", "git_url", "html_url", "url");
        return new PushNotice(kind, event, delivery, json.path("ref").asText(null), json.path("after").asText(null), urls);
    }

    private static String first(UnaryOperator<String> headers, String... names) {
        for (String name : names) {
            String value = headers.apply(name);
            if (value != null) {
                return value;
            }
        }
        return null;
    }

    private static List<String> texts(JsonNode node, String... fields) {
        List<String> out = new ArrayList<>();
        for (String field : fields) {
            if (node.path(field).isTextual() && !node.path(field).asText().isBlank()) {
                out.add(node.path(field).asText());
            }
        }
        return out;
    }
}
