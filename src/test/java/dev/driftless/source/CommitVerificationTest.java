package dev.driftless.source;

import static dev.driftless.testing.Shell.sh;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import dev.driftless.testing.FleetFixture;
import dev.driftless.testing.SignedFleetResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/** Only commits signed by a configured key, SSH or OpenPGP, are deployed; real git, ssh-keygen and gpg sign them. */
@QuarkusTest
@QuarkusTestResource(value = SignedFleetResource.class, restrictToAnnotatedClass = true)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CommitVerificationTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private final FleetFixture fleet = SignedFleetResource.fixture();
    private final Path keys = SignedFleetResource.keys();

    @Test
    @Order(1)
    void anUnsignedHeadIsReportedAndNotDeployed() {
        String unsigned = fleet.head(); // the fleet's first commit carries no signature
        awaitRefused(unsigned, "it is not signed");
        api().get("/api/v1/hosts/web1").then().body("state", equalTo("Unknown")).body("desired", org.hamcrest.Matchers.nullValue());
    }

    @Test
    @Order(2)
    void aCommitSignedWithATrustedSshKeyIsDeployed() {
        String signed = commit("web1: ssh-signed", "-c gpg.format=ssh -c user.signingkey=" + keys.resolve("trusted") + " commit -S");
        awaitInSync("web1", signed);
    }

    @Test
    @Order(3)
    void anUnsignedCommitAfterASignedOneIsRefusedAndTheHostsStay() {
        String deployed = fleet.head();
        String unsigned = commit("web1: unsigned", "commit");
        awaitRefused(unsigned, "it is not signed");
        api().get("/api/v1/hosts/web1").then().body("desired.commit", equalTo(deployed)).body("state", equalTo("InSync"));
    }

    @Test
    @Order(4)
    void aCommitSignedWithAnUntrustedKeyIsRefused() {
        String stranger = commit("web1: stranger", "-c gpg.format=ssh -c user.signingkey=" + keys.resolve("stranger") + " commit -S");
        awaitRefused(stranger, "not from a trusted key");
        awaitRefused(stranger, "No principal matched");
        api().get("/q/metrics").then().body(containsString("driftless_git_commits_refused_total{reason=\"unverified\"} 3.0"));
    }

    @Test
    @Order(5)
    void aCommitSignedWithATrustedOpenPgpKeyIsDeployed() {
        String signed = commit("web1: openpgp-signed", "-c user.signingkey=pgp-signer@example.org commit -S");
        awaitInSync("web1", signed);
    }

    @Test
    @Order(6)
    void readsAskForTheTokenByDefaultButHealthAndMetricsStayOpen() {
        given().get("/api/v1/hosts").then().statusCode(401);
        given().auth().oauth2("wrong").get("/api/v1/commits").then().statusCode(401);
        api().get("/api/v1/hosts").then().statusCode(200);
        given().get("/q/health/ready").then().statusCode(200);
        given().get("/q/metrics").then().statusCode(200).body(org.hamcrest.Matchers.not(containsString(SignedFleetResource.TOKEN)));
    }

    private static io.restassured.specification.RequestSpecification api() {
        return given().auth().oauth2(SignedFleetResource.TOKEN);
    }

    private String commit(String message, String gitCommit) {
        return sh(fleet.repo(), "export GNUPGHOME=\"$1\"; printf '{ motd = \"%s\"; }\\n' \"$2\" > hosts/web1.nix; git add -A; git "
                + gitCommit + " -q -m \"$2\"; git rev-parse HEAD", keys.resolve("gnupg").toString(), message + " " + UUID.randomUUID());
    }

    private static void awaitRefused(String sha, String why) {
        await().atMost(WAIT).untilAsserted(() -> api().get("/api/v1/commits").then()
                .body("find { it.sha == '" + sha + "' }.status", equalTo("refused"))
                .body("find { it.sha == '" + sha + "' }.error", containsString(why)));
    }

    private static void awaitInSync(String host, String sha) {
        await().atMost(WAIT).untilAsserted(() -> api().get("/api/v1/hosts/" + host).then()
                .body("state", equalTo("InSync")).body("desired.commit", equalTo(sha)));
    }
}
