package dev.driftless.source.webhook;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Fuzzes what an unauthenticated caller controls: headers and body. Whatever arrives, checking
 * the signature and reading the payload never throw, and a request is accepted only with the
 * provider's real proof of the secret. CI fuzzes it for a while (JAZZER_FUZZ=1, see pom.xml);
 * a plain run replays the inputs under WebhookFuzzTestInputs.
 */
class WebhookFuzzTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> HEADERS = List.of("X-Hub-Signature-256", "X-GitHub-Event", "X-GitHub-Delivery", "X-Gitea-Signature",
            "X-Forgejo-Signature", "X-Gitea-Event", "X-Gitlab-Token", "X-Gitlab-Event", "X-Gitlab-Event-UUID", "X-Driftless-Signature");

    @FuzzTest(maxDuration = "10s")
    void anyRequestIsCheckedAndReadWithoutThrowingAndOnlyTheSecretOpensIt(FuzzedDataProvider data) {
        WebhookProvider provider = data.pickValue(WebhookProvider.values());
        String secret = "s" + data.consumeString(32);
        Map<String, String> headers = new HashMap<>();
        for (String header : HEADERS) {
            if (data.consumeBoolean()) {
                headers.put(header, data.consumeString(100));
            }
        }
        byte[] body = data.consumeRemainingAsBytes();

        if (provider.verify(headers::get, body, secret)) {
            assertTrue(holdsProof(provider, headers, secret, body), "accepted only with the provider's proof of the secret");
        }
        JsonNode json;
        try {
            json = JSON.readTree(body);
        } catch (IOException notJson) {
            return;
        }
        if (json != null && json.isObject()) {
            PushNotice notice = provider.read(headers::get, json);
            assertNotNull(notice.kind());
            notice.repositoryUrls().forEach(u -> RepositoryUrls.same(u, "https://github.com/acme/fleet.git"));
        }
        RepositoryUrls.canonical(new String(body, StandardCharsets.UTF_8));
    }

    /** The provider's proof, checked independently of the code under test. */
    private static boolean holdsProof(WebhookProvider provider, Map<String, String> headers, String secret, byte[] body) {
        String mac = hmac(secret, body);
        return switch (provider) {
            case GITHUB -> prefixed(headers.get("X-Hub-Signature-256"), mac);
            case GENERIC -> prefixed(headers.get("X-Driftless-Signature"), mac);
            case GITEA -> {
                String given = headers.containsKey("X-Gitea-Signature") ? headers.get("X-Gitea-Signature") : headers.get("X-Forgejo-Signature");
                yield given != null && given.strip().equalsIgnoreCase(mac);
            }
            case GITLAB -> secret.equals(headers.get("X-Gitlab-Token"));
        };
    }

    private static boolean prefixed(String given, String mac) {
        return given != null && given.startsWith("sha256=") && given.substring(7).strip().equalsIgnoreCase(mac);
    }

    private static String hmac(String secret, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(body));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
