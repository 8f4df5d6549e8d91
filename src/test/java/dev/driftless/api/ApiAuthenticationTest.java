package dev.driftless.api;

import static io.restassured.RestAssured.given;

import dev.driftless.testing.OidcFleetResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Mutating calls with OIDC configured: the issuer's tokens and the static token open them, nothing else does. */
@QuarkusTest
@QuarkusTestResource(value = OidcFleetResource.class, restrictToAnnotatedClass = true)
class ApiAuthenticationTest {

    private static final String SYNC = "/api/v1/hosts/web1/sync";

    @Test
    void anAccessTokenFromTheIssuerOpensMutatingCalls() {
        given().auth().oauth2(OidcFleetResource.token("ada", Instant.now().plusSeconds(300), false)).post(SYNC).then().statusCode(202);
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
    void readsStayOpenAndHealthNeedsNoToken() {
        given().get("/api/v1/hosts").then().statusCode(200);
        given().get("/q/health/live").then().statusCode(200);
    }
}
