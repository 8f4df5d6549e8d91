package dev.driftless.cli;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.driftless.testing.FleetResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/** The {@code driftless} command against a running application on a real fleet. */
@QuarkusTest
@QuarkusTestResource(value = FleetResource.class, restrictToAnnotatedClass = true)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CliTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private String url;
    private String tokenFile;

    /** What one run printed and how it exited. */
    record Run(int exit, String out, String err) {}

    @BeforeEach
    void converged() {
        url = RestAssured.baseURI + ":" + RestAssured.port;
        tokenFile = FleetResource.fixture().dataDir().resolve("api-token").toString();
        await().atMost(WAIT).untilAsserted(() -> FleetResource.fixture().api().get("/api/v1/hosts").then().body("findAll { it.state != 'InSync' }.size()",
                org.hamcrest.Matchers.equalTo(0)));
    }

    @Test
    @Order(1)
    void statusPrintsOneRowPerHostAndExitsZeroWhenAllAreInSync() {
        Run status = cli("status");
        assertEquals(Cli.OK, status.exit(), status.err());
        List<String> lines = status.out().lines().toList();
        assertTrue(lines.get(0).matches("HOST\\s+STATE\\s+GEN\\s+COMMIT\\s+DRIFT SINCE\\s+MESSAGE"), lines.get(0));
        assertEquals(4, lines.size(), status.out());
        for (String host : List.of("db1", "web1", "web2")) {
            assertTrue(lines.stream().anyMatch(l -> l.matches(host + "\\s+InSync\\s+\\d+\\s+[0-9a-f]{12}\\s.*")), host + " in\n" + status.out());
        }
    }

    @Test
    @Order(2)
    void jsonOutputIsWhatTheApiSays() throws Exception {
        JsonNode hosts = new ObjectMapper().readTree(cli("--json", "status").out());
        assertEquals(3, hosts.size());
        assertEquals("InSync", hosts.get(0).path("state").asText());
        JsonNode names = new ObjectMapper().readTree(cli("--json", "hosts").out());
        assertTrue(names.get(0).has("target"), names.toString());
        assertTrue(cli("history", "web1").out().lines().anyMatch(l -> l.contains("deployed")), "web1's history shows its deployment");
    }

    @Test
    @Order(3)
    void aRolledBackHostMakesStatusExitThreeUntilItIsSynced() {
        // A second generation on web1 and web2, so that there is one to roll back to.
        String sha = FleetResource.fixture().commit(java.util.Map.of("hosts/web1.nix", "{ motd = \"web1: second\"; }\n",
                "hosts/web2.nix", "{ motd = \"web2: second\"; }\n"), "web1, web2: second");
        await().atMost(WAIT).untilAsserted(() -> FleetResource.fixture().api().get("/api/v1/hosts").then()
                .body("findAll { it.state == 'InSync' && it.desired.commit == '" + sha + "' }.size()", org.hamcrest.Matchers.equalTo(3)));
        Run rollback = cli("rollback", "web1");
        assertEquals(Cli.OK, rollback.exit(), rollback.err());
        await().atMost(WAIT).until(() -> cli("status").exit() == Cli.NOT_IN_SYNC);
        assertEquals(Cli.OK, cli("sync", "web1").exit());
        await().atMost(WAIT).until(() -> cli("status").exit() == Cli.OK);
    }

    @Test
    @Order(4)
    void refusalsAndMistakesHaveTheirOwnExitCodes() {
        for (String[] call : List.of(new String[] {"sync", "web1"}, new String[] {"status"}, new String[] {"history", "web1"})) {
            Run noToken = new CliRunner(withUrl(call)).run();
            assertEquals(Cli.FAILED, noToken.exit(), String.join(" ", call));
            assertTrue(noToken.err().contains("401") && noToken.err().contains("--token"), noToken.err());
        }
        Run unknown = cli("history", "nope");
        assertEquals(Cli.FAILED, unknown.exit());
        assertTrue(unknown.err().contains("404"), unknown.err());
        assertEquals(Cli.USAGE, cli("history").exit());
        assertEquals(Cli.USAGE, cli("frobnicate").exit());
        assertEquals(Cli.USAGE, cli().exit());
        Run down = new CliRunner("--url", "http://127.0.0.1:1", "status").run();
        assertEquals(Cli.FAILED, down.exit());
        assertTrue(down.err().contains("cannot reach"), down.err());
    }

    @Test
    @Order(5)
    void eventsFollowsTheStreamAsCloudEvents() throws Exception {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(buffer, true, StandardCharsets.UTF_8);
        Thread follower = new Thread(() -> new Cli(out, out).run(new String[] {"--url", url, "--token-file", tokenFile, "--json", "events"}));
        follower.setDaemon(true); // it follows until the test JVM ends
        follower.start();
        // Subscribed before the change below: the controller counts the open stream.
        await().atMost(WAIT).until(() -> dev.driftless.testing.Exposition.total(given().get("/q/metrics").then().extract().asString(),
                "driftless_event_subscribers ") >= 1);
        cli("rollback", "web2");
        await().atMost(WAIT).until(() -> buffer.toString(StandardCharsets.UTF_8).contains("dev.driftless."));
        String first = buffer.toString(StandardCharsets.UTF_8).lines().filter(l -> l.startsWith("{")).findFirst().orElseThrow();
        JsonNode event = new ObjectMapper().readTree(first);
        assertEquals("1.0", event.path("specversion").asText());
        assertEquals("web2", event.path("subject").asText());
        cli("sync", "web2");
    }

    /** A run with the token file Driftless generated, as every call, reads too, needs it. */
    private Run cli(String... args) {
        String[] all = new String[args.length + 2];
        all[0] = "--token-file";
        all[1] = tokenFile;
        System.arraycopy(args, 0, all, 2, args.length);
        return new CliRunner(withUrl(all)).run();
    }

    private String[] withUrl(String... args) {
        String[] all = new String[args.length + 2];
        all[0] = "--url";
        all[1] = url;
        System.arraycopy(args, 0, all, 2, args.length);
        return all;
    }

    /** Runs the command in process and keeps what it printed. */
    record CliRunner(String... args) {
        Run run() {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int exit = new Cli(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8)).run(args);
            return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        }
    }
}
