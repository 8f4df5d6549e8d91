package dev.driftless.fleet;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.driftless.testing.DriftlessProcess;
import dev.driftless.testing.FleetFixture;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The packaged jar with JSON logs on: every line is a JSON object, and a reconcile run's lines carry their host. */
class JsonLoggingIT {

    @Test
    void everyLineIsJsonAndEveryLineOfAReconcileRunNamesItsHost() throws Exception {
        try (FleetFixture fleet = new FleetFixture()) {
            Map<String, String> config = new LinkedHashMap<>(fleet.config());
            config.put("quarkus.log.console.json.enabled", "true");
            try (DriftlessProcess app = DriftlessProcess.start(config, "json-logging")) {
                await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> app.api().get("/api/v1/hosts").then()
                        .body("findAll { it.state == 'InSync' }.size()", org.hamcrest.Matchers.equalTo(3)));
                ObjectMapper json = new ObjectMapper();
                List<String> lines = app.log().lines().filter(l -> !l.isBlank()).toList();
                int reconcilerLines = 0;
                for (String line : lines) {
                    JsonNode record = json.readTree(line);
                    assertTrue(record.isObject() && record.has("message") && record.has("level"), line);
                    if (record.path("loggerName").asText().endsWith("HostRecorder")) {
                        reconcilerLines++;
                        String host = record.path("mdc").path("host").asText();
                        assertTrue(FleetFixture.HOSTS.contains(host), "mdc.host in " + line);
                        assertTrue(record.path("message").asText().startsWith("host " + host + " "), line);
                    }
                }
                assertTrue(reconcilerLines >= 3, "the deployments were logged: " + reconcilerLines);
                assertEquals(lines.size(), lines.stream().filter(l -> l.startsWith("{")).count());
            }
        }
    }
}
