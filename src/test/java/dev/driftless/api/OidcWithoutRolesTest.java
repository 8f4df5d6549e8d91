package dev.driftless.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;

import dev.driftless.testing.OidcFleetResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

/** OIDC on but no role configured: the issuer's tokens open nothing, whatever groups they carry; the static token still works. */
@QuarkusTest
@QuarkusTestResource(value = OidcFleetResource.class, restrictToAnnotatedClass = true, initArgs = @ResourceArg(name = "roles", value = "none"))
class OidcWithoutRolesTest {

    private static final String SYNC = "/api/v1/hosts/web1/sync";

    @Test
    void aValidTokenOpensNoChangeAndTheAnswerNamesTheKeyToSet() {
        String token = OidcFleetResource.token("ada", OidcFleetResource.OPERATORS, "admin", "driftless");
        given().auth().oauth2(token).post(SYNC).then().statusCode(403).body("error", containsString("driftless.api.oidc.write-roles"));
        given().auth().oauth2(token).get("/api/v1/hosts").then().statusCode(403).body("error", containsString("driftless.api.oidc.read-roles"));
    }

    @Test
    void theStaticTokenStillOpensEverything() {
        given().auth().oauth2(OidcFleetResource.STATIC_TOKEN).post(SYNC).then().statusCode(202);
        given().auth().oauth2(OidcFleetResource.STATIC_TOKEN).get("/api/v1/hosts").then().statusCode(200);
    }
}
