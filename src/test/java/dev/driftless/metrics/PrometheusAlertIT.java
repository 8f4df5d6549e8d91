package dev.driftless.metrics;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.driftless.testing.DriftlessProcess;
import dev.driftless.testing.FleetFixture;
import dev.driftless.testing.PrometheusServer;
import dev.driftless.testing.Shell;
import io.restassured.path.json.JsonPath;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The packaged jar scraped by a real Prometheus loading the shipped rules: a host that diverges
 * fires DriftlessHostDiverged, healing resolves it, and every dashboard query evaluates.
 */
class PrometheusAlertIT {

    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final Pattern METRIC = Pattern.compile("\\b(driftless_[a-z_]+)\\b");

    @Test
    void divergedHostFiresTheAlertAndHealingResolvesIt() throws Exception {
        try (FleetFixture fleet = new FleetFixture()) {
            try (DriftlessProcess first = DriftlessProcess.start(fleet.config(), "prometheus-alerts-heal")) {
                awaitInSync(first, "web2");
            }
            Map<String, String> config = new HashMap<>(fleet.config());
            // Then report only: the host stays diverged until someone repairs it, as the alert intends.
            config.put("driftless.hosts.web2.policy", "report");
            try (DriftlessProcess app = DriftlessProcess.start(config, "prometheus-alerts");
                 PrometheusServer prometheus = new PrometheusServer(app.url().replace("http://", ""), fastRules(fleet))) {
                awaitInSync(app, "web2");
                await().atMost(WAIT).until(() -> prometheus.query("driftless_host_in_sync{host=\"web2\"}").getList("data.result").size() == 1);
                assertEquals(List.of(), firing(prometheus, "web2"), "nothing fires while the fleet is in sync");

                String committed = fleet.currentSystem("web2");
                fleet.switchOutOfBand("web2", "web2: changed by hand");
                await().atMost(WAIT).untilAsserted(() -> assertEquals(List.of("firing"), firing(prometheus, "web2"), app.log()));

                // Repair by hand, as a report-policy user would: back to the committed generation.
                Path host = fleet.hostRoot("web2");
                Shell.sh(host, "nix-env --store \"local?root=$1\" -p \"$1/nix/var/nix/profiles/system\" --rollback"
                        + " && DRIFTLESS_HOST_ROOT=\"$1\" \"$1$2/bin/switch-to-configuration\" switch", host.toString(), committed);
                awaitInSync(app, "web2");
                await().atMost(WAIT).untilAsserted(() -> assertEquals(List.of(), firing(prometheus, "web2")));

                everyDashboardQueryEvaluatesAndNamesOnlyExportedMetrics(app, prometheus);
            }
        }
    }

    /** The shipped rules with DriftlessHostDiverged's `for: 5m` shortened to 2s, so the test takes seconds. */
    private static Path fastRules(FleetFixture fleet) throws Exception {
        String rules = Files.readString(Path.of("config/prometheus/driftless-rules.yml"));
        String fast = rules.replaceFirst("(alert: DriftlessHostDiverged[\\s\\S]*?)for: 5m", "$1for: 2s");
        assertTrue(!fast.equals(rules), "the rule's for: clause was found");
        Path copy = Files.createTempFile("driftless-rules-", ".yml");
        Files.writeString(copy, fast);
        return copy;
    }

    private static List<String> firing(PrometheusServer prometheus, String host) {
        JsonPath alerts = prometheus.alerts();
        return alerts.getList("data.alerts.findAll { it.labels.alertname == 'DriftlessHostDiverged' && it.labels.host == '" + host + "' }.state");
    }

    private static void awaitInSync(DriftlessProcess app, String host) {
        await().atMost(WAIT).untilAsserted(() -> app.api().get("/api/v1/hosts/" + host).then()
                .body("state", org.hamcrest.Matchers.equalTo("InSync")));
    }

    private void everyDashboardQueryEvaluatesAndNamesOnlyExportedMetrics(DriftlessProcess app, PrometheusServer prometheus) throws Exception {
        Set<String> exported = exportedNames(given().baseUri(app.url()).get("/q/metrics").then().extract().asString());
        List<String> problems = new ArrayList<>();
        int queries = 0;
        for (String file : List.of("dashboards/driftless-fleet.json", "dashboards/driftless-host.json")) {
            for (String expr : expressions(new ObjectMapper().readTree(Path.of(file).toFile()))) {
                queries++;
                Matcher m = METRIC.matcher(expr);
                while (m.find()) {
                    if (!exported.contains(m.group(1))) {
                        problems.add(file + ": " + m.group(1) + " is not exported");
                    }
                }
                String promql = expr.replace("$__rate_interval", "1m").replace("$__range", "1h").replace("$host", "web2");
                JsonPath answer = prometheus.query(promql);
                if (!"success".equals(answer.getString("status"))) {
                    problems.add(file + ": " + expr + " -> " + answer.getString("error"));
                }
            }
        }
        assertTrue(queries > 20, "found the dashboards' queries: " + queries);
        assertEquals(List.of(), problems);
    }

    /** Every series name the app exports, with its histogram and summary suffixes. */
    private static Set<String> exportedNames(String exposition) {
        Set<String> names = new TreeSet<>();
        for (String line : exposition.split("\n")) {
            if (line.startsWith("driftless_")) {
                names.add(line.split("[{ ]")[0]);
            }
        }
        return names;
    }

    private static List<String> expressions(JsonNode node) {
        List<String> out = new ArrayList<>();
        if (node.has("expr")) {
            out.add(node.get("expr").asText());
        }
        node.forEach(child -> out.addAll(expressions(child)));
        return out;
    }
}
