package dev.driftless.kafka;

import static dev.driftless.testing.Shell.sh;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.driftless.testing.DriftlessProcess;
import dev.driftless.testing.FleetFixture;
import dev.driftless.testing.KafkaBroker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A worker with a Nix store of its own (a chroot store under its data directory) hands its
 * builds to the controller through a binary cache (driftless.nix.cache, here a file:// cache),
 * as workers on other machines would.
 */
class BinaryCacheHandOffIT {

    @Test
    void aWorkerWithItsOwnStoreHandsItsBuildsOverThroughTheCache() throws Exception {
        try (KafkaBroker broker = KafkaBroker.start("cache"); FleetFixture fleet = new FleetFixture()) {
            Path keyFile = broker.dir().resolve("signing-key.sec");
            sh(broker.dir(), "nix key generate-secret --key-name driftless-cache-it-1 > \"$1\"", keyFile.toString());
            Path cache = Files.createDirectories(broker.dir().resolve("cache"));
            Path workerStore = broker.dir().resolve("worker-store");

            Map<String, String> worker = new LinkedHashMap<>(kafka(broker, "worker", keyFile, cache));
            worker.put("driftless.data-dir", broker.dir().resolve("worker").toString());
            worker.put("driftless.git.url", "file://" + fleet.repo());
            // Its own store: builds run chrooted there, so they see the host's /bin for the example's /bin/sh.
            worker.put("driftless.nix.options", "substituters =,store = " + workerStore
                    + ",extra-sandbox-paths = /bin /usr /lib /lib64");
            Map<String, String> controller = new LinkedHashMap<>(fleet.config());
            controller.putAll(kafka(broker, "controller", keyFile, cache));

            try (DriftlessProcess w = DriftlessProcess.start(worker, "cache-worker");
                    DriftlessProcess c = DriftlessProcess.start(controller, "cache-controller")) {
                String sha = fleet.commit("hosts/web1.nix", "{ motd = \"web1: via the cache " + UUID.randomUUID() + "\"; }\n", "web1: cached");
                await().atMost(Duration.ofSeconds(120)).untilAsserted(() -> c.api().get("/api/v1/hosts/web1").then()
                        .body("state", org.hamcrest.Matchers.equalTo("InSync")).body("desired.commit", org.hamcrest.Matchers.equalTo(sha)));
                String path = c.api().get("/api/v1/hosts/web1").then().extract().path("desired.path");
                String hash = Path.of(path).getFileName().toString().substring(0, 32);

                assertEquals(path, fleet.currentSystem("web1"), "web1 runs the worker's build");
                assertTrue(Files.exists(cache.resolve(hash + ".narinfo")), "the worker put the closure in the cache");
                assertTrue(Files.exists(workerStore.resolve(path.substring(1))), "the worker built it in its own store");
                // The batch holds every host the commit changes: web1, and the others when nothing was desired yet.
                assertTrue(java.util.regex.Pattern.compile("commit " + sha.substring(0, 12) + ": built \\[[^]]*\\bweb1\\b").matcher(w.log()).find(),
                        "the worker built web1");
                assertFalse(c.log().contains("[BuildWorker]"), "the controller built nothing");
                sh(broker.dir(), "nix path-info \"$1\" >/dev/null", path); // and yet its store has it: fetched from the cache
            }
        }
    }

    private static Map<String, String> kafka(KafkaBroker broker, String role, Path key, Path cache) {
        Map<String, String> config = new LinkedHashMap<>();
        config.put("quarkus.profile", "kafka");
        config.put("kafka.bootstrap.servers", broker.bootstrapServers());
        config.put("driftless.role", role);
        config.put("driftless.nix.signing-key-file", key.toString());
        config.put("driftless.nix.cache", "file://" + cache);
        return config;
    }
}
