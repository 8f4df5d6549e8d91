package dev.driftless.source;

import static dev.driftless.testing.Shell.sh;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.driftless.testing.DriftlessProcess;
import dev.driftless.testing.EventStream;
import dev.driftless.testing.Exposition;
import dev.driftless.testing.FleetFixture;
import dev.driftless.testing.GitHttpServer;
import io.restassured.specification.RequestSpecification;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A Git token written into {@code driftless.git.url} shows nowhere: not in the log (Driftless's
 * own lines, JGit's errors it repeats), not in {@code GET /api/v1/commits} (nix's error, which
 * names a flake input's URL as written), not in the events, not in the metrics. The controller
 * warns at start that the token belongs in {@code driftless.git.token-file}.
 */
class GitCredentialsIT {

    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final String API_TOKEN = "api-" + UUID.randomUUID();

    @Test
    void aTokenAloneInTheUrlOfAnUnreachableRemoteShowsNowhere() throws Exception {
        String token = "ghp_" + UUID.randomUUID().toString().replace("-", "") + "Zx9";
        int closed = closedPort();
        try (FleetFixture fleet = new FleetFixture(List.of("web1"))) {
            Map<String, String> config = config(fleet, "https://" + token + "@127.0.0.1:" + closed + "/fleet.git");
            // Never ready: readiness waits for a first fetch that cannot succeed.
            try (DriftlessProcess app = DriftlessProcess.launch(config, "git-credentials-unreachable")) {
                await().atMost(WAIT).ignoreExceptions().until(() -> given().baseUri(app.url()).get("/q/health/live").statusCode() == 200);
                await().atMost(WAIT).until(() -> app.log().contains("cannot fetch main from "));
                try (EventStream events = EventStream.open(app.url() + "/api/v1/events", API_TOKEN)) {
                    double failed = fetchFailures(app);
                    // Further polls fail again while the stream is open.
                    await().atMost(WAIT).until(() -> fetchFailures(app) >= failed + 2);
                    assertNowhere(token, app, events);
                }
                assertTrue(app.log().contains("cannot fetch main from https://***@127.0.0.1:" + closed + "/fleet.git"), app.log());
                assertTrue(app.log().contains("driftless.git.url carries credentials"), "the warning at start:\n" + app.log());
                assertTrue(app.log().contains("driftless.git.token-file"), app.log());
            }
        }
    }

    @Test
    void userAndTokenInTheUrlShowNowhereNotEvenInNixsErrorThatNamesThem() throws Exception {
        String token = "ghp_" + UUID.randomUUID().toString().replace("-", "") + "Qw7";
        try (FleetFixture fleet = new FleetFixture(List.of("web1"))) {
            Path served = Files.createDirectories(fleet.repo().resolveSibling("served"));
            sh(served, "git clone -q --bare \"$1\" fleet.git", fleet.repo().toString());
            try (GitHttpServer server = GitHttpServer.serve(served, "x-access-token", token)) {
                String withToken = "http://x-access-token:" + token + "@127.0.0.1:" + server.port() + "/fleet.git";
                Map<String, String> config = config(fleet, withToken);
                try (DriftlessProcess app = DriftlessProcess.start(config, "git-credentials-nix-error")) {
                    await().atMost(WAIT).untilAsserted(() -> api(app).get("/api/v1/hosts/web1").then().body("state", equalTo("InSync")));
                    try (EventStream events = EventStream.open(app.url() + "/api/v1/events", API_TOKEN)) {
                        // A flake input on the same remote, at a revision it lacks: nix fails and names the input's URL.
                        String flake = Files.readString(fleet.repo().resolve("flake.nix")).replace("outputs = { self }:",
                                "inputs.pinned = { url = \"git+" + withToken + "?ref=main&rev=" + "0".repeat(40) + "\"; flake = false; };\n"
                                        + "  outputs = { self, ... }:");
                        String broken = fleet.commit("flake.nix", flake, "pin an input");
                        sh(fleet.repo(), "git push -q \"$1\" main", served.resolve("fleet.git").toString());
                        await().atMost(WAIT).untilAsserted(() -> api(app).get("/api/v1/commits").then()
                                .body("find { it.sha == '" + broken + "' }.status", equalTo("failed")));
                        assertNowhere(token, app, events);
                        api(app).get("/api/v1/commits").then()
                                .body("find { it.sha == '" + broken + "' }.error", containsString("http://***@127.0.0.1:" + server.port()));
                    }
                    assertTrue(app.log().contains("driftless.git.url carries credentials"), "the warning at start:\n" + app.log());
                }
            }
        }
    }

    private static void assertNowhere(String token, DriftlessProcess app, EventStream events) {
        assertFalse(app.log().contains(token), "the token is in the log:\n" + app.log());
        String commits = api(app).get("/api/v1/commits").then().statusCode(200).extract().asString();
        assertFalse(commits.contains(token), "the token is in GET /api/v1/commits: " + commits);
        String hosts = api(app).get("/api/v1/hosts").then().statusCode(200).extract().asString();
        assertFalse(hosts.contains(token), "the token is in GET /api/v1/hosts: " + hosts);
        String metrics = given().baseUri(app.url()).get("/q/metrics").then().statusCode(200).extract().asString();
        assertFalse(metrics.contains(token), "the token is in the metrics");
        assertFalse(String.join("\n", events.received()).contains(token), "the token is in an event: " + events.received());
    }

    private static Map<String, String> config(FleetFixture fleet, String gitUrl) {
        Map<String, String> config = new LinkedHashMap<>(fleet.config());
        config.put("driftless.git.url", gitUrl);
        config.put("driftless.api.token", API_TOKEN);
        return config;
    }

    private static RequestSpecification api(DriftlessProcess app) {
        return given().baseUri(app.url()).auth().oauth2(API_TOKEN);
    }

    private static double fetchFailures(DriftlessProcess app) {
        String metrics = given().baseUri(app.url()).get("/q/metrics").then().statusCode(200).extract().asString();
        return Exposition.total(metrics, "driftless_git_fetch_total{result=\"failure\"");
    }

    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
