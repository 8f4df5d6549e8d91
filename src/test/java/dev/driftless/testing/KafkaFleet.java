package dev.driftless.testing;

import static dev.driftless.testing.Shell.sh;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A fleet managed in distributed mode: a real Kafka broker, the fleet's repository and hosts,
 * and one signing key for every process, as a shared secret would provide, so that hosts trust
 * what any worker built. Gives each process its configuration.
 */
public final class KafkaFleet implements AutoCloseable {

    private final KafkaBroker broker;
    private final FleetFixture fleet;
    private final Path signingKey;

    private KafkaFleet(KafkaBroker broker, FleetFixture fleet, Path signingKey) {
        this.broker = broker;
        this.fleet = fleet;
        this.signingKey = signingKey;
    }

    public static KafkaFleet start(String name, List<String> hosts) {
        KafkaBroker broker = KafkaBroker.start(name);
        Path key = broker.dir().resolve("signing-key.sec");
        sh(broker.dir(), "nix key generate-secret --key-name driftless-" + name + "-1 > \"$1\"", key.toString());
        return new KafkaFleet(broker, new FleetFixture(hosts), key);
    }

    public KafkaBroker broker() {
        return broker;
    }

    public FleetFixture fleet() {
        return fleet;
    }

    /** The kafka profile in {@code role}, on this broker, with the fleet's signing key. */
    public Map<String, String> kafka(String role) {
        Map<String, String> config = new LinkedHashMap<>();
        config.put("quarkus.profile", "kafka");
        config.put("kafka.bootstrap.servers", broker.bootstrapServers());
        config.put("driftless.role", role);
        config.put("driftless.nix.signing-key-file", signingKey.toString());
        return config;
    }

    /** A worker with a data directory of its own, named {@code name}. */
    public Map<String, String> worker(String name) {
        Map<String, String> config = new LinkedHashMap<>(kafka("worker"));
        config.put("driftless.data-dir", broker.dir().resolve(name).toString());
        config.put("driftless.git.url", "file://" + fleet.repo());
        config.put("driftless.nix.options", "substituters =,extra-sandbox-paths = /bin /usr /lib /lib64");
        return config;
    }

    /** A controller of every host; {@code dataDir} null for the fleet's own data directory. */
    public Map<String, String> controller(String dataDir) {
        Map<String, String> config = new LinkedHashMap<>(fleet.config());
        config.putAll(kafka("controller"));
        if (dataDir != null) {
            config.put("driftless.data-dir", broker.dir().resolve(dataDir).toString());
        }
        return config;
    }

    /** Deployments of {@code sha} in the host's history as {@code controller} has it. */
    public static int deployments(DriftlessProcess controller, String host, String sha) {
        List<Map<String, Object>> history = controller.api().get("/api/v1/hosts/" + host + "/history").then().statusCode(200)
                .extract().jsonPath().getList("$");
        return (int) history.stream().filter(e -> "deployed".equals(e.get("kind")) && sha.equals(e.get("commit"))).count();
    }

    @Override
    public void close() {
        fleet.close();
        broker.close();
    }
}
