package dev.driftless.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.driftless.testing.OidcFleetResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The API with OIDC configured: the static token opens everything; an access token from the
 * issuer opens what its roles allow, if it is for this API's audience; nothing else opens anything.
 */
@QuarkusTest
@QuarkusTestResource(value = OidcFleetResource.class, restrictToAnnotatedClass = true)
class ApiAuthenticationTest {

    private static final String SYNC = "/api/v1/hosts/web1/sync";
    private static final String HOSTS = "/api/v1/hosts";

    @Test
    void anAccessTokenWithAWriteRoleOpensMutatingCallsAndReads() {
        String operator = OidcFleetResource.token("ada", OidcFleetResource.OPERATORS);
        given().auth().oauth2(operator).post(SYNC).then().statusCode(202);
        given().auth().oauth2(operator).get(HOSTS).then().statusCode(200);
    }

    @Test
    void aValidTokenWithoutAWriteRoleIsForbiddenAndToldWhichRoleInWhichClaimItNeeds() {
        for (String token : List.of(OidcFleetResource.token("bob"), OidcFleetResource.token("eve", "other-app-admins"),
                OidcFleetResource.token("vic", OidcFleetResource.VIEWERS))) {
            given().auth().oauth2(token).post(SYNC).then().statusCode(403)
                    .header("WWW-Authenticate", containsString("insufficient_scope"))
                    .body("claim", equalTo("groups"))
                    .body("roles", equalTo(List.of(OidcFleetResource.OPERATORS)))
                    .body("error", containsString(OidcFleetResource.OPERATORS));
            given().auth().oauth2(token).post("/api/v1/hosts/web1/rollback").then().statusCode(403);
        }
    }

    @Test
    void aReadRoleOpensReadsButATokenWithNoRoleReadsNothing() {
        given().auth().oauth2(OidcFleetResource.token("vic", OidcFleetResource.VIEWERS)).get(HOSTS).then().statusCode(200);
        given().auth().oauth2(OidcFleetResource.token("bob")).get(HOSTS).then().statusCode(403)
                .body("roles", equalTo(List.of(OidcFleetResource.VIEWERS, OidcFleetResource.OPERATORS)));
    }

    @Test
    void aTokenTheIssuerMadeForAnotherAudienceIsRefused() {
        for (Object audience : List.of("another-app", List.of("another-app", "yet-another"), "")) {
            String token = OidcFleetResource.token(Map.of("aud", audience, "groups", List.of(OidcFleetResource.OPERATORS)), false);
            given().auth().oauth2(token).post(SYNC).then().statusCode(401);
            given().auth().oauth2(token).get(HOSTS).then().statusCode(401);
        }
        String both = OidcFleetResource.token(Map.of("aud", List.of("another-app", OidcFleetResource.AUDIENCE),
                "groups", List.of(OidcFleetResource.OPERATORS)), false);
        given().auth().oauth2(both).post(SYNC).then().statusCode(202);
    }

    @Test
    void theStaticTokenStillWorksBesideOidc() {
        given().auth().oauth2(OidcFleetResource.STATIC_TOKEN).post(SYNC).then().statusCode(202);
    }

    @Test
    void noTokenAForgedTokenAndAnExpiredTokenAreRefused() {
        given().post(SYNC).then().statusCode(401);
        given().auth().oauth2(OidcFleetResource.token("mallory", Instant.now().plusSeconds(300), true)).post(SYNC).then().statusCode(401);
        given().auth().oauth2(OidcFleetResource.token("ada", Instant.now().minusSeconds(600), false)).post(SYNC).then().statusCode(401);
        given().auth().oauth2("not-a-jwt").post(SYNC).then().statusCode(401);
    }

    @Test
    void everyReadUnderApiV1AsksForTheTokenByDefault() {
        for (String read : List.of("/api/v1/hosts", "/api/v1/hosts/web1", "/api/v1/hosts/web1/history", "/api/v1/commits",
                "/api/v1/incidents?host=web1")) {
            given().get(read).then().statusCode(401).body("error", containsString("Bearer"));
            given().auth().oauth2("not-the-token-but-just-as-long-as-it").get(read).then().statusCode(401);
            given().auth().oauth2(OidcFleetResource.STATIC_TOKEN).get(read).then().statusCode(200);
        }
        given().accept("text/event-stream").get("/api/v1/events").then().statusCode(401);
    }

    @Test
    void healthMetricsAndWebhooksNeedNoToken() {
        given().get("/q/health/live").then().statusCode(200);
        given().get("/q/metrics").then().statusCode(200);
        // No webhook secret is set here: the resource itself answers that the webhook is off, not the token check.
        given().contentType("application/json").body("{}").post("/api/v1/webhooks/github").then().statusCode(404).body("result", equalTo("disabled"));
    }

    @Test
    void aPathThatWalksOutOfTheWebhooksStillNeedsTheToken() throws Exception {
        for (String path : List.of("/api/v1/webhooks/../hosts/web1/sync", "/api/v1/webhooks/%2e%2e/hosts/web1/sync",
                "/api/v1/webhooks/..%2fhosts/web1/sync", "/api/v1//hosts/web1/sync")) {
            // java.net.http sends the path as written; REST Assured would tidy it first.
            HttpResponse<String> answer = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(RestAssured.baseURI + ":"
                    + RestAssured.port + path)).POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            assertTrue(answer.statusCode() == 401 || answer.statusCode() == 404 || answer.statusCode() == 400,
                    path + " answered " + answer.statusCode() + ": " + answer.body());
        }
    }
}
