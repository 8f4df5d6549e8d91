package dev.driftless.host.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * URL checks against a real HTTP server on the loopback: what counts as healthy, what a failure
 * says, the timeout, redirects, and credentials that are used but never shown.
 */
class UrlCheckTest {

    private static final Duration LIMIT = Duration.ofSeconds(10);
    private static final String USER = "ops";
    private static final String PASSWORD = "s3cretPassw0rd";
    private static final String TOKEN = "t0kenValue42";

    private HttpServer server;
    private ExecutorService handlers;
    private final CountDownLatch release = new CountDownLatch(1);
    private final AtomicInteger okHits = new AtomicInteger();
    private final UrlProbe probe = new UrlProbe();

    @BeforeEach
    void serve() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        handlers = Executors.newCachedThreadPool();
        server.setExecutor(handlers);
        server.createContext("/ok", exchange -> {
            okHits.incrementAndGet();
            answer(exchange, 200, "fine");
        });
        server.createContext("/down", exchange -> answer(exchange, 503, "database\n  down"));
        server.createContext("/empty", exchange -> answer(exchange, 204, ""));
        server.createContext("/flood", exchange -> answer(exchange, 500, "y".repeat(1 << 20)));
        server.createContext("/slow", exchange -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            answer(exchange, 200, "late");
        });
        server.createContext("/here", exchange -> redirect(exchange, "/ok"));
        server.createContext("/elsewhere", exchange -> redirect(exchange, "http://localhost:" + port() + "/ok"));
        server.createContext("/loop", exchange -> redirect(exchange, "/loop"));
        server.createContext("/private", exchange -> {
            String expected = "Basic " + Base64.getEncoder().encodeToString((USER + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8));
            String sent = exchange.getRequestHeaders().getFirst("Authorization");
            // Echoes what it was sent, as a careless debug endpoint would.
            answer(exchange, expected.equals(sent) ? 200 : 401, "you sent " + sent + " for " + exchange.getRequestURI());
        });
        server.createContext("/echo", exchange -> answer(exchange, 503, "you sent " + exchange.getRequestHeaders().getFirst("Authorization")
                + " for " + exchange.getRequestURI()));
        server.start();
    }

    @AfterEach
    void stop() {
        release.countDown();
        server.stop(0);
        handlers.shutdownNow();
    }

    private int port() {
        return server.getAddress().getPort();
    }

    private String url(String path) {
        return "http://127.0.0.1:" + port() + path;
    }

    private static void answer(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        try (var out = exchange.getResponseBody()) {
            out.write(bytes);
        } catch (IOException e) {
            // The client stopped reading, as it does after the head of a long body.
        }
    }

    private static void redirect(HttpExchange exchange, String location) throws IOException {
        exchange.getResponseHeaders().add("Location", location);
        answer(exchange, 302, "");
    }

    private Optional<String> check(String url, Integer expected, Duration limit) {
        HealthCheck.Url check = new HealthCheck.Url("api", URI.create(url), expected, limit);
        try {
            return new CheckRunner(List.of(check), probe).firstFailure(new CheckRunnerTest.ScriptedChecks(java.util.Map.of()));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void a2xxAnswerIsHealthy() {
        assertEquals(Optional.empty(), check(url("/ok"), null, LIMIT));
        assertEquals(Optional.empty(), check(url("/empty"), null, LIMIT));
    }

    @Test
    void a503IsReportedWithTheCheckTheUrlAndTheHeadOfTheBody() {
        assertEquals(Optional.of("health check \"api\" (GET " + url("/down") + ") answered 503: database down"), check(url("/down"), null, LIMIT));
    }

    @Test
    void anExpectedStatusIsTheOnlyOneThatCounts() {
        assertEquals(Optional.empty(), check(url("/empty"), 204, LIMIT));
        assertEquals(Optional.of("health check \"api\" (GET " + url("/ok") + ") answered 200 instead of 204: fine"), check(url("/ok"), 204, LIMIT));
    }

    @Test
    void anEndpointThatDoesNotAnswerInTimeFailsWithTheTimeout() {
        assertEquals(Optional.of("health check \"api\" (GET " + url("/slow") + ") gave no answer within 300 ms"),
                check(url("/slow"), null, Duration.ofMillis(300)));
    }

    @Test
    void aLongBodyIsCutShort() {
        String failure = check(url("/flood"), null, LIMIT).orElseThrow();
        assertTrue(failure.startsWith("health check \"api\" (GET " + url("/flood") + ") answered 500: yyy"), failure);
        assertTrue(failure.length() < 700, "kept " + failure.length() + " characters");
    }

    @Test
    void aServerThatIsNotThereCannotBeConnectedTo() {
        String url = url("/ok");
        server.stop(0);
        String failure = check(url, null, LIMIT).orElseThrow();
        assertTrue(failure.startsWith("health check \"api\" (GET " + url + ") could not connect"), failure);
    }

    @Test
    void aRedirectOnTheSameHostIsFollowed() {
        assertEquals(Optional.empty(), check(url("/here"), null, LIMIT));
        assertEquals(1, okHits.get());
    }

    @Test
    void aRedirectToAnotherHostIsNotFollowed() {
        String failure = check(url("/elsewhere"), null, LIMIT).orElseThrow();
        assertEquals("health check \"api\" (GET " + url("/elsewhere") + ") answered 302 with a redirect to http://localhost:" + port()
                + "/ok, which goes to another host and is not followed", failure);
        assertEquals(0, okHits.get(), "nothing was fetched from the other host");
    }

    @Test
    void redirectsInALoopEnd() {
        String failure = check(url("/loop"), null, LIMIT).orElseThrow();
        assertTrue(failure.endsWith("answered 302 after " + UrlProbe.MAX_REDIRECTS + " redirects, and is not followed further"), failure);
    }

    @Test
    void credentialsInTheUrlAreSentAsBasicAuthentication() {
        assertEquals(Optional.empty(), check("http://" + USER + ":" + PASSWORD + "@127.0.0.1:" + port() + "/private", null, LIMIT));
    }

    @Test
    void aCredentialInTheUrlNeverAppearsInTheMessageEvenWhenTheServerEchoesIt() {
        String url = "http://" + USER + ":" + PASSWORD + "@127.0.0.1:" + port() + "/echo?token=" + TOKEN;
        String failure = check(url, null, LIMIT).orElseThrow();
        String basic = Base64.getEncoder().encodeToString((USER + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8));
        assertTrue(failure.startsWith("health check \"api\" (GET http://***@127.0.0.1:" + port() + "/echo?token=***) answered 503: you sent Basic "),
                failure);
        assertFalse(failure.contains(PASSWORD), failure);
        assertFalse(failure.contains(TOKEN), failure);
        assertFalse(failure.contains(basic), failure);
    }

    @Test
    void aTokenAsTheWholeUserInfoIsSentAndNeverShown() {
        String failure = check("http://" + TOKEN + "@127.0.0.1:" + port() + "/down", null, LIMIT).orElseThrow();
        assertFalse(failure.contains(TOKEN), failure);
        assertTrue(failure.contains("GET http://***@127.0.0.1:"), failure);
    }
}
