package dev.driftless.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** helm/driftless rendered by a real Helm (helm-java embeds it): lint, and template for two setups. */
class HelmChartTest {

    private static final Path CHART = Path.of("helm/driftless");
    private static final YAMLMapper YAML = new YAMLMapper();

    @Test
    void theChartLintsCleanly() {
        LintResult lint = new Helm(CHART).lint().strict().call();
        assertFalse(lint.isFailed(), String.join("\n", lint.getMessages()));
    }

    @Test
    void theDefaultsRenderAStandaloneControllerThatRunsAsNonRootOnAReadOnlyRoot() throws IOException {
        List<JsonNode> objects = render(new Helm(CHART).template().withName("fleet"));
        assertEquals(List.of("ConfigMap", "Secret", "Service", "StatefulSet"), kinds(objects));
        JsonNode controller = only(objects, "StatefulSet");
        assertEquals(1, controller.path("spec").path("replicas").asInt());
        JsonNode container = controller.path("spec").path("template").path("spec").path("containers").get(0);
        assertEquals("all", env(container, "DRIFTLESS_ROLE"));
        assertEquals("/q/health/live", container.path("livenessProbe").path("httpGet").path("path").asText());
        assertEquals("/q/health/ready", container.path("readinessProbe").path("httpGet").path("path").asText());
        assertTrue(container.path("securityContext").path("readOnlyRootFilesystem").asBoolean());
        assertTrue(controller.path("spec").path("template").path("spec").path("securityContext").path("runAsNonRoot").asBoolean());
        assertEquals("OnRootMismatch", controller.path("spec").path("template").path("spec").path("securityContext").path("fsGroupChangePolicy").asText(),
                "the data volume's files keep their modes, so that the API token file stays readable by its owner only");
        assertFalse(container.path("resources").path("requests").isMissingNode());
        assertTrue(env(container, "QUARKUS_PROFILE") == null, "standalone: no kafka profile");
    }

    @Test
    void aDistributedSetupRendersWorkersMonitoringAndTheShippedRulesAndDashboards() throws IOException {
        List<JsonNode> objects = render(new Helm(CHART).template().withName("fleet")
                .withValuesFile(Path.of("src/test/resources/helm/distributed-values.yaml")));
        assertTrue(kinds(objects).containsAll(List.of("Deployment", "StatefulSet", "ServiceMonitor", "PrometheusRule", "ConfigMap")));
        assertFalse(kinds(objects).contains("Secret"), "an existing secret is used, none created");

        JsonNode worker = only(objects, "Deployment");
        assertEquals(3, worker.path("spec").path("replicas").asInt());
        JsonNode workerContainer = worker.path("spec").path("template").path("spec").path("containers").get(0);
        assertEquals("worker", env(workerContainer, "DRIFTLESS_ROLE"));
        assertEquals("kafka", env(workerContainer, "QUARKUS_PROFILE"));
        assertEquals("kafka.kafka.svc:9092", env(workerContainer, "KAFKA_BOOTSTRAP_SERVERS"));
        assertEquals("s3://fleet-nix-cache?region=eu-central-1", env(workerContainer, "DRIFTLESS_NIX_CACHE"));
        assertTrue(env(workerContainer, "DRIFTLESS_GIT_TOKEN_FILE") == null, "no token file the secret does not hold");
        assertEquals("/etc/driftless/git-ssh-key", env(workerContainer, "DRIFTLESS_GIT_SSH_KEY_FILE"));
        assertEquals(2, only(objects, "StatefulSet").path("spec").path("replicas").asInt(), "controllers that share the hosts");
        JsonNode controller = only(objects, "StatefulSet").path("spec").path("template").path("spec").path("containers").get(0);
        assertEquals("controller", env(controller, "DRIFTLESS_ROLE"));
        assertEquals("/etc/driftless/ssh-private-key", env(controller, "DRIFTLESS_SSH_PRIVATE_KEY_FILE"));
        assertEquals("/etc/driftless/webhook-github", env(controller, "DRIFTLESS_WEBHOOK_GITHUB_SECRET_FILE"));

        String properties = objects.stream().filter(o -> o.path("kind").asText().equals("ConfigMap") && o.path("data").has("application.properties"))
                .findFirst().orElseThrow().path("data").path("application.properties").asText();
        assertTrue(properties.contains("driftless.hosts.db1.target=ssh://root@db1.example.org:22"), properties);
        assertTrue(properties.contains("driftless.hosts.db1.policy=report"), properties);
        assertTrue(properties.contains("driftless.hosts.cache1.policy=report"), properties);
        assertFalse(properties.contains("driftless.hosts.cache1.target"), "a host the flake declares needs no target here: " + properties);
        assertTrue(properties.contains("driftless.hosts-default.target=ssh://root@{name}.example.org"), properties);
        assertTrue(properties.contains("driftless.git.branch=production"), properties);

        JsonNode rendered = only(objects, "PrometheusRule").path("spec");
        JsonNode shipped = YAML.readTree(Files.readString(Path.of("config/prometheus/driftless-rules.yml")));
        assertEquals(shipped, rendered, "the PrometheusRule is config/prometheus/driftless-rules.yml");
        assertEquals("kube-prometheus-stack", only(objects, "ServiceMonitor").path("metadata").path("labels").path("release").asText());

        List<JsonNode> dashboards = objects.stream().filter(o -> o.path("metadata").path("labels").path("grafana_dashboard").asText().equals("1")).toList();
        assertEquals(2, dashboards.size(), "one ConfigMap per dashboard for the Grafana sidecar");
        for (JsonNode dashboard : dashboards) {
            Map.Entry<String, JsonNode> file = dashboard.path("data").fields().next();
            assertEquals(new ObjectMapper().readTree(Files.readString(Path.of("dashboards", file.getKey()))),
                    new ObjectMapper().readTree(file.getValue().asText()), file.getKey() + " is the shipped dashboard");
        }
    }

    /** Workers build untrusted commits: the hosts' deploy key, the API token and webhook secrets never reach them. */
    @Test
    void workersGetNeitherTheDeployKeyNorTheApiTokenNorWebhookSecrets() throws IOException {
        List<JsonNode> objects = render(new Helm(CHART).template().withName("fleet")
                .withValuesFile(Path.of("src/test/resources/helm/distributed-values.yaml")));
        JsonNode pod = only(objects, "Deployment").path("spec").path("template").path("spec");
        JsonNode container = pod.path("containers").get(0);
        List<String> names = new ArrayList<>();
        container.path("env").forEach(e -> names.add(e.path("name").asText()));
        assertFalse(names.contains("DRIFTLESS_SSH_PRIVATE_KEY_FILE"), names.toString());
        assertFalse(names.contains("DRIFTLESS_API_TOKEN"), names.toString());
        assertFalse(names.stream().anyMatch(n -> n.startsWith("DRIFTLESS_WEBHOOK_")), names.toString());
        JsonNode secrets = null;
        for (JsonNode volume : pod.path("volumes")) {
            if (volume.path("name").asText().equals("secrets")) {
                secrets = volume;
            }
        }
        List<String> projected = new ArrayList<>();
        secrets.path("secret").path("items").forEach(i -> projected.add(i.path("key").asText()));
        assertEquals(List.of("known-hosts", "signing-key", "git-ssh-key"), projected, "only the worker's share is projected");

        Path onlyControllerKeys = Files.createTempFile("driftless-helm", ".yaml");
        Files.writeString(onlyControllerKeys, "secrets: {existingSecretKeys: [ssh-private-key, webhook-github]}\n");
        List<JsonNode> noKeys = render(new Helm(CHART).template().withName("fleet")
                .withValuesFile(Path.of("src/test/resources/helm/distributed-values.yaml")).withValuesFile(onlyControllerKeys));
        Files.delete(onlyControllerKeys);
        JsonNode volumes = only(noKeys, "Deployment").path("spec").path("template").path("spec").path("volumes");
        for (JsonNode volume : volumes) {
            if (volume.path("name").asText().equals("secrets")) {
                assertFalse(volume.has("secret"), "a worker with no share of the secret mounts none of it: " + volume);
            }
        }
    }

    @Test
    void valuesThatMakeNoSenseAreRejectedByTheSchema() {
        for (Map.Entry<String, Object> bad : Map.<String, Object>of("reconcile.policy", "yolo", "hosts.web1.target", "ftp://web1",
                "worker.replicas", -1, "git.pollInterval", "soon", "secrets.apiToken", "shorter-than-32-characters").entrySet()) {
            Exception e = org.junit.jupiter.api.Assertions.assertThrows(Exception.class,
                    () -> new Helm(CHART).template().withName("fleet").set(bad.getKey(), bad.getValue()).call(), bad.getKey());
            assertTrue(e.getMessage().contains("values don't meet the specifications of the schema"), e.getMessage());
        }
    }

    private static List<JsonNode> render(com.marcnuri.helm.TemplateCommand template) throws IOException {
        String manifests = template.call();
        List<JsonNode> objects = new ArrayList<>();
        try (var parser = new YAMLFactory().createParser(manifests)) {
            var documents = YAML.readValues(parser, JsonNode.class);
            while (documents.hasNext()) {
                JsonNode doc = documents.next();
                if (doc != null && doc.has("kind")) {
                    objects.add(doc);
                }
            }
        }
        return objects;
    }

    private static List<String> kinds(List<JsonNode> objects) {
        return objects.stream().map(o -> o.path("kind").asText()).distinct().sorted().collect(Collectors.toList());
    }

    private static JsonNode only(List<JsonNode> objects, String kind) {
        List<JsonNode> found = objects.stream().filter(o -> o.path("kind").asText().equals(kind)).toList();
        assertEquals(1, found.size(), "one " + kind);
        return found.get(0);
    }

    private static String env(JsonNode container, String name) {
        for (JsonNode e : container.path("env")) {
            if (e.path("name").asText().equals(name)) {
                return e.path("value").asText(null);
            }
        }
        return null;
    }
}
