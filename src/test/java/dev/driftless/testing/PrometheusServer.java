package dev.driftless.testing;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;

import io.restassured.path.json.JsonPath;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** Debian's real Prometheus on loopback, scraping one target every second. */
public final class PrometheusServer implements AutoCloseable {

    private final Process process;
    private final int port;
    private final Path dir;

    public PrometheusServer(String target, Path rules) {
        try {
            dir = Files.createTempDirectory("driftless-prometheus-");
            try (ServerSocket socket = new ServerSocket(0)) {
                port = socket.getLocalPort();
            }
            Files.copy(rules, dir.resolve("rules.yml"));
            Files.writeString(dir.resolve("prometheus.yml"), """
                    global: { scrape_interval: 1s, evaluation_interval: 1s }
                    rule_files: [ rules.yml ]
                    scrape_configs:
                      - job_name: driftless
                        metrics_path: /q/metrics
                        static_configs: [ { targets: [ "%s" ] } ]
                    """.formatted(target));
            process = new ProcessBuilder("/usr/bin/prometheus", "--config.file=" + dir.resolve("prometheus.yml"),
                    "--storage.tsdb.path=" + dir.resolve("data"), "--web.listen-address=127.0.0.1:" + port)
                    .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(dir.resolve("prometheus.log").toFile()).start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> given().baseUri(url()).get("/-/ready").statusCode() == 200);
    }

    public String url() {
        return "http://127.0.0.1:" + port;
    }

    /** Evaluates a PromQL query now; the JSON answer, which says whether it was an error. */
    public JsonPath query(String promql) {
        return given().baseUri(url()).queryParam("query", promql).get("/api/v1/query").then().extract().jsonPath();
    }

    public JsonPath alerts() {
        return given().baseUri(url()).get("/api/v1/alerts").then().statusCode(200).extract().jsonPath();
    }

    @Override
    public void close() {
        process.destroy();
        try {
            process.waitFor(20, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Shell.sh(dir.getParent(), "rm -rf \"$1\"", dir.toString());
    }
}
