package dev.driftless.source.webhook;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.driftless.testing.FleetFixture;
import dev.driftless.testing.WebhookFleetResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Each provider's real push payload format and headers, with good and bad signatures, against a
 * real fleet whose repository is polled once an hour: any fetch after start comes from a webhook.
 */
@QuarkusTest
@QuarkusTestResource(value = WebhookFleetResource.class, restrictToAnnotatedClass = true)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WebhookTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private final FleetFixture fleet = WebhookFleetResource.fixture();

    @Test
    @Order(1)
    void aSignedGitHubPushFetchesAtOnceAndDeploysWithoutThePoll() {
        await().atMost(WAIT).until(() -> fetches() >= 1); // the one fetch at start
        awaitInSync("web1", fleet.head());
        double before = fetches();
        String sha = fleet.commit("hosts/web1.nix", "{ motd = \"web1: pushed " + UUID.randomUUID() + "\"; }\n", "web1: pushed");

        Instant sent = Instant.now();
        post("github", payload("github-push.json", sha, "main"), github("push", SECRETS("github")))
                .then().statusCode(202).body("result", equalTo("accepted"));
        Instant observed = await().atMost(WAIT).pollInterval(Duration.ofMillis(20)).until(() -> observedAt(sha), o -> o != null);
        awaitInSync("web1", sha);
        Instant deployStarted = Instant.parse(WebhookFleetResource.fixture().api().get("/api/v1/hosts/web1").then().extract().path("lastDeployment.startedAt"));

        assertEquals(before + 1, fetches(), "exactly one fetch, the webhook's; the poll (1 h) did not run");
        System.out.printf("webhook receipt -> CommitObserved %d ms, -> first deploy started %d ms%n",
                Duration.between(sent, observed).toMillis(), Duration.between(sent, deployStarted).toMillis());
    }

    @Test
    @Order(2)
    void everyProvidersValidPushIsAcceptedAndEveryBadSignatureIsRefused() {
        for (String provider : java.util.List.of("github", "gitea", "gitlab", "generic")) {
            String sha = fleet.head();
            double fetches = fetches();
            double refused = requests(provider, "unauthorized");
            byte[] body = payload(file(provider), sha, "main");
            post(provider, body, headers(provider, "not-the-secret")).then().statusCode(401).body("result", equalTo("unauthorized"));
            post(provider, body, Map.of()).then().statusCode(401); // no signature at all
            assertEquals(refused + 2, requests(provider, "unauthorized"), provider + ": refusals are counted");
            staysAt(fetches, provider + ": a refused push fetches nothing");
        }
        for (String provider : java.util.List.of("gitea", "gitlab", "generic")) {
            double fetches = fetches();
            String sha = fleet.commit("hosts/web2.nix", "{ motd = \"web2: " + provider + " " + UUID.randomUUID() + "\"; }\n", provider);
            post(provider, payload(file(provider), sha, "main"), headers(provider, SECRETS(provider))).then().statusCode(202)
                    .body("result", equalTo("accepted"));
            await().atMost(WAIT).until(() -> observedAt(sha) != null);
            assertEquals(fetches + 1, fetches(), provider + ": one fetch for one push");
            assertTrue(requests(provider, "accepted") >= 1, provider + ": accepted pushes are counted");
        }
    }

    @Test
    @Order(3)
    void pingsOtherBranchesOtherRepositoriesAndRedeliveriesFetchNothing() {
        double fetches = fetches();
        post("github", payload("github-ping.json", fleet.head(), "main"), github("ping", SECRETS("github")))
                .then().statusCode(200).body("result", equalTo("ping"));
        post("github", payload("github-push.json", fleet.head(), "feature"), github("push", SECRETS("github")))
                .then().statusCode(202).body("result", equalTo("ignored")).body("message", org.hamcrest.Matchers.containsString("refs/heads/feature"));
        byte[] elsewhere = new String(payload("github-push.json", fleet.head(), "main"), StandardCharsets.UTF_8)
                .replace("file://" + fleet.repo(), "https://github.com/acme/another-fleet.git").getBytes(StandardCharsets.UTF_8);
        pending = elsewhere; // signed as sent
        post("github", elsewhere, github("push", SECRETS("github"))).then().statusCode(202).body("result", equalTo("ignored"));
        post("github", payload("github-push.json", fleet.head(), "main"), github("issues", SECRETS("github")))
                .then().statusCode(202).body("result", equalTo("ignored"));
        staysAt(fetches, "none of these fetched");

        Map<String, String> once = github("push", SECRETS("github"));
        byte[] push = payload("github-push.json", fleet.head(), "main");
        post("github", push, once).then().statusCode(202).body("result", equalTo("accepted"));
        post("github", push, once).then().statusCode(200).body("result", equalTo("duplicate"));
        await().atMost(WAIT).until(() -> fetches() == fetches + 1);
        staysAt(fetches + 1, "a redelivery fetches nothing more");
    }

    @Test
    @Order(4)
    void oversizedMalformedAndUnknownRequestsGetClearErrors() {
        byte[] huge = new byte[65537];
        java.util.Arrays.fill(huge, (byte) ' ');
        post("generic", huge, generic(SECRETS("generic"), huge)).then().statusCode(413).body("result", equalTo("too_large"));
        byte[] broken = "{\"ref\": \"refs/heads/main\", ".getBytes(StandardCharsets.UTF_8);
        post("generic", broken, generic(SECRETS("generic"), broken)).then().statusCode(400).body("result", equalTo("malformed"));
        post("bitbucket", broken, Map.of()).then().statusCode(404);
        assertTrue(requests("generic", "too_large") >= 1 && requests("generic", "malformed") >= 1);
        String metrics = given().get("/q/metrics").then().extract().asString();
        for (String secret : WebhookFleetResource.SECRETS.values()) {
            assertFalse(metrics.contains(secret), "no secret in the metrics");
        }
    }

    @Test
    @Order(5)
    void aForcePushBehindTheDeployedCommitIsRefusedVisiblyAndNothingIsDeployed() {
        String deployed = fleet.commit("hosts/web1.nix", "{ motd = \"web1: deployed " + UUID.randomUUID() + "\"; }\n", "web1: deployed");
        post("generic", payload("generic", deployed, "main"), generic(SECRETS("generic"))).then().statusCode(202);
        awaitInSync("web1", deployed);
        String web1 = fleet.currentSystem("web1");
        double refusedBefore = metric("driftless_git_commits_refused_total{reason=\"force-push\"}");

        String earlier = fleet.rewind(1); // git push --force of the commit before, which the fleet ran once
        post("generic", payload("generic", earlier, "main"), generic(SECRETS("generic"))).then().statusCode(202);
        await().atMost(WAIT).until(() -> metric("driftless_git_commits_refused_total{reason=\"force-push\"}") == refusedBefore + 1);

        fleet.rewind(1); // and then new work on an older base
        fleet.commit("hosts/db1.nix", "{ motd = \"db1: on the old base " + UUID.randomUUID() + "\"; }\n", "db1: old base");
        String sha = fleet.head();
        post("generic", payload("generic", sha, "main"), generic(SECRETS("generic"))).then().statusCode(202);
        await().atMost(WAIT).untilAsserted(() -> WebhookFleetResource.fixture().api().get("/api/v1/commits").then()
                .body("find { it.sha == '" + sha + "' }.status", equalTo("refused"))
                .body("find { it.sha == '" + sha + "' }.error", org.hamcrest.Matchers.containsString(deployed.substring(0, 12))));
        assertEquals(refusedBefore + 2, metric("driftless_git_commits_refused_total{reason=\"force-push\"}"), "each refusal is counted");
        await().during(Duration.ofMillis(1500)).atMost(WAIT).untilAsserted(() -> WebhookFleetResource.fixture().api().get("/api/v1/hosts/web1")
                .then().body("desired.commit", equalTo(deployed)));
        WebhookFleetResource.fixture().api().get("/api/v1/hosts/web1").then().body("desired.commit", equalTo(deployed)).body("state", equalTo("InSync"));
        assertEquals(web1, fleet.currentSystem("web1"), "web1 still runs the deployed generation");
    }

    // --- requests as each provider sends them ----------------------------------------------------

    private static String SECRETS(String provider) {
        return WebhookFleetResource.SECRETS.get(provider);
    }

    private static String file(String provider) {
        return provider.equals("generic") ? "generic" : provider + "-push.json";
    }

    /** The headers {@code provider} sends for a push of the last {@link #payload}, signed with {@code secret}. */
    private Map<String, String> headers(String provider, String secret) {
        return switch (provider) {
            case "github" -> github("push", secret);
            case "gitea" -> gitea(secret);
            case "gitlab" -> gitlab(secret);
            default -> generic(secret);
        };
    }

    private Map<String, String> github(String event, String secret) {
        return Map.of("X-GitHub-Event", event, "X-GitHub-Delivery", UUID.randomUUID().toString(),
                "X-Hub-Signature-256", "sha256=" + hmac(secret, null), "User-Agent", "GitHub-Hookshot/5c7bb1b");
    }

    private Map<String, String> gitea(String secret) {
        return Map.of("X-Gitea-Event", "push", "X-Gitea-Delivery", UUID.randomUUID().toString(), "X-Gitea-Signature", hmac(secret, null));
    }

    private Map<String, String> gitlab(String token) {
        return Map.of("X-Gitlab-Event", "Push Hook", "X-Gitlab-Event-UUID", UUID.randomUUID().toString(), "X-Gitlab-Token", token);
    }

    private Map<String, String> generic(String secret) {
        return Map.of("X-Driftless-Signature", "sha256=" + hmac(secret, null));
    }

    private Map<String, String> generic(String secret, byte[] body) {
        return Map.of("X-Driftless-Signature", "sha256=" + hmac(secret, body));
    }

    /** The body the next {@link #post} sends; a signature placeholder is computed over it there. */
    private byte[] pending;

    private byte[] payload(String file, String sha, String branch) {
        String repo = "file://" + fleet.repo();
        String json;
        if (file.equals("generic")) {
            json = "{\"ref\": \"refs/heads/" + branch + "\", \"after\": \"" + sha + "\", \"repository\": \"" + repo + "\"}";
        } else {
            try {
                json = Files.readString(Path.of("src/test/resources/webhooks", file));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            json = json.replace("__SHA__", sha).replace("__CLONE_URL__", repo).replace("__SSH_URL__", repo)
                    .replace("__GIT_URL__", repo).replace("__HTML_URL__", repo).replace("refs/heads/main", "refs/heads/" + branch);
        }
        pending = json.getBytes(StandardCharsets.UTF_8);
        return pending;
    }

    private String hmac(String secret, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(body != null ? body : pending));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Response post(String provider, byte[] body, Map<String, String> headers) {
        return given().headers(headers).contentType("application/json").body(body).post("/api/v1/webhooks/" + provider);
    }

    // --- what the application shows ------------------------------------------------------------

    private static double fetches() {
        return metric("driftless_git_fetch_total{result=\"success\"}");
    }

    private static double requests(String provider, String result) {
        return metric("driftless_webhook_requests_total{provider=\"" + provider + "\",result=\"" + result + "\"}");
    }

    private static double metric(String series) {
        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        return metrics.lines().filter(l -> l.startsWith(series + " ")).mapToDouble(l -> Double.parseDouble(l.substring(series.length() + 1)))
                .findFirst().orElse(0);
    }

    private static Instant observedAt(String sha) {
        String at = WebhookFleetResource.fixture().api().get("/api/v1/commits").then().statusCode(200).extract().path("find { it.sha == '" + sha + "' }.observedAt");
        return at == null ? null : Instant.parse(at);
    }

    private static void awaitInSync(String host, String sha) {
        await().atMost(WAIT).untilAsserted(() -> WebhookFleetResource.fixture().api().get("/api/v1/hosts/" + host).then()
                .body("state", equalTo("InSync")).body("desired.commit", equalTo(sha)));
    }

    /**
     * The fetch count holds still for long enough that a fetch that should not happen would show
     * in the metrics; the fetch itself takes milliseconds.
     */
    private static void staysAt(double fetches, String why) {
        await(why).during(Duration.ofMillis(1500)).atMost(WAIT).until(() -> fetches() == fetches);
    }
}
