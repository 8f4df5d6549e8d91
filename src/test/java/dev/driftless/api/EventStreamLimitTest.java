package dev.driftless.api;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.driftless.testing.EventStream;
import dev.driftless.testing.Exposition;
import dev.driftless.testing.FleetResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** At most driftless.api.max-event-subscribers event streams at once (two here); the next caller is told so with 503. */
@QuarkusTest
@QuarkusTestResource(value = FleetResource.class, restrictToAnnotatedClass = true,
        initArgs = @ResourceArg(name = "driftless.api.max-event-subscribers", value = "2"))
class EventStreamLimitTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @Test
    void beyondTheLimitANewStreamIsRefusedWith503UntilOneCloses() throws Exception {
        assertEquals(0.0, metric("driftless_event_subscribers_dropped_total "), "the drop counter is exported from the start");
        String url = RestAssured.baseURI + ":" + RestAssured.port + "/api/v1/events";
        String token = FleetResource.fixture().apiToken();
        try (EventStream first = EventStream.open(url, token); EventStream second = EventStream.open(url, token)) {
            await().atMost(WAIT).until(() -> metric("driftless_event_subscribers ") == 2.0);
            // Answered once the headers are in, so that a stream wrongly let through fails the test instead of hanging it.
            HttpResponse<InputStream> refused = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url))
                    .header("Accept", "text/event-stream").header("Authorization", "Bearer " + token).build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream body = refused.body()) {
                assertEquals(503, refused.statusCode());
                assertEquals("30", refused.headers().firstValue("Retry-After").orElse(null));
                String error = new String(body.readAllBytes(), StandardCharsets.UTF_8);
                assertTrue(error.contains("driftless.api.max-event-subscribers"), error);
            }

            first.close();
            await().atMost(WAIT).until(() -> metric("driftless_event_subscribers ") == 1.0);
            try (EventStream third = EventStream.open(url, token)) {
                await().atMost(WAIT).until(() -> metric("driftless_event_subscribers ") == 2.0);
            }
        }
        await().atMost(WAIT).until(() -> metric("driftless_event_subscribers ") == 0.0);
    }

    private static double metric(String series) {
        return Exposition.total(given().get("/q/metrics").then().statusCode(200).extract().asString(), series);
    }
}
