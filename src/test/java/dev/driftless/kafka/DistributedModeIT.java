package dev.driftless.kafka;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.driftless.exec.ProcessResult;
import dev.driftless.testing.DriftlessProcess;
import dev.driftless.testing.FleetFixture;
import dev.driftless.testing.KafkaBroker;
import dev.driftless.testing.KafkaFleet;
import io.restassured.path.json.JsonPath;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Distributed mode on a real Kafka broker: one controller and two worker processes, each the
 * packaged jar in its own JVM, managing five hosts. The tests run in order on one fleet, the
 * way an operator's week would: processes are killed and restarted and the broker bounces.
 * {@link ControllerSharingIT} runs several controllers at once.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DistributedModeIT {

    private static final Duration WAIT = Duration.ofSeconds(120);
    private static final List<String> HOSTS = List.of("db1", "web1", "web2", "app1", "app2");
    /** Goes unreachable, so that its incident stays open across a controller restart. */
    private static final String AWAY = "app2";

    /** In every configuration a test writes, so that no build is already in the store from an earlier run. */
    private static final String RUN = java.util.UUID.randomUUID().toString();

    private static KafkaFleet kafka;
    private static KafkaBroker broker;
    private static FleetFixture fleet;
    private static DriftlessProcess controller;
    private static final Map<String, DriftlessProcess> workers = new LinkedHashMap<>();
    private static int starts;

    @BeforeAll
    static void startFleet() {
        kafka = KafkaFleet.start("distributed", HOSTS);
        broker = kafka.broker();
        fleet = kafka.fleet();
        startWorker("worker-a");
        startWorker("worker-b");
        controller = startController();
    }

    @AfterAll
    static void stopFleet() {
        if (controller != null) {
            controller.close();
        }
        workers.values().forEach(DriftlessProcess::close);
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    @Order(1)
    void aCommitConvergesWithOneControllerAndTwoWorkerProcesses() {
        awaitInSync(fleet.head(), HOSTS);
        Map<String, String> changes = new HashMap<>();
        HOSTS.forEach(h -> changes.put("hosts/" + h + ".nix", "{ motd = \"" + h + ": second " + RUN + "\"; }\n"));
        String sha = fleet.commit(changes, "every host: second");

        awaitInSync(sha, HOSTS);
        for (String host : HOSTS) {
            assertEquals(1, deployments(host, sha), host + " is deployed exactly once");
            assertEquals(desiredPath(host), fleet.currentSystem(host), host + " runs the committed generation");
        }
        String workerLogs = workers.values().stream().map(DriftlessProcess::log).collect(Collectors.joining());
        for (String host : HOSTS) {
            assertTrue(java.util.regex.Pattern.compile("commit " + sha.substring(0, 12) + ": built \\[[^]]*\\b" + host + "\\b").matcher(workerLogs).find(),
                    host + " built by a worker");
        }
        assertFalse(controller.log().contains("[BuildWorker]"), "the controller builds nothing");
        assertFalse(controller.log().contains("[EvaluationWorker]"), "the controller evaluates nothing");
    }

    @Test
    @Order(2)
    void aWorkerKilledMidBuildLeavesItsJobToTheOtherWorker() {
        String sha = fleet.commit("hosts/web1.nix", "{ motd = \"web1: slow build " + RUN + "\"; extraBuildCommands = \"sleep 8\"; }\n", "web1: slow build");
        String building = "commit " + sha.substring(0, 12) + ": building 1 host(s) from web1";
        String victim = await().atMost(WAIT).pollInterval(Duration.ofMillis(100)).until(
                () -> workers.entrySet().stream().filter(w -> w.getValue().log().contains(building)).map(Map.Entry::getKey).findFirst(),
                java.util.Optional::isPresent).orElseThrow();
        workers.remove(victim).kill();
        DriftlessProcess survivor = workers.values().iterator().next();

        awaitInSync(sha, HOSTS);
        assertTrue(survivor.log().contains("commit " + sha.substring(0, 12) + ": built [web1]"), "the other worker built web1");
        assertEquals(1, deployments("web1", sha), "web1 is deployed exactly once");
        startWorker("worker-c"); // back to two workers for what follows
    }

    /** A stop (SIGTERM, as in a rolling update) is not a failed build: the request stays unacknowledged for the other worker. */
    @Test
    @Order(2)
    void aWorkerStoppedMidBuildLeavesItsJobToTheOtherWorkerAndFailsNothing() {
        String sha = fleet.commit("hosts/web1.nix",
                "{ motd = \"web1: slow build, stopped " + RUN + "\"; extraBuildCommands = \"sleep 8\"; }\n",
                "web1: slow build, worker stopped");
        String building = "commit " + sha.substring(0, 12) + ": building 1 host(s) from web1";
        stopTheWorkerBusyWith(sha, worker -> worker.log().contains(building), ": build of web1 stopped, as Driftless is stopping",
                "does not build", ": built [web1]");
        startWorker("worker-d"); // back to two workers for what follows
    }

    /** The same for an evaluation: the commit's record stays unacknowledged, and the worker that takes the partition evaluates it. */
    @Test
    @Order(2)
    void aWorkerStoppedMidEvaluationLeavesTheCommitToTheOtherWorkerAndFailsNothing() {
        // About 20 million additions: seconds of one core to evaluate, with little memory.
        String sha = fleet.commit("hosts/web1.nix", "{ motd = \"web1 evaluated slowly " + RUN + " \" + toString (builtins.foldl' (a: j: a"
                + " + builtins.foldl' (b: i: b + i) 0 (builtins.genList (i: i * j) 5000)) 0 (builtins.genList (j: j) 4000)); }\n",
                "web1: slow to evaluate, worker stopped");
        stopTheWorkerBusyWith(sha, worker -> worker.descendants().stream().anyMatch(DistributedModeIT::evaluating),
                ": evaluation stopped, as Driftless is stopping", "does not evaluate", " evaluated in");
        startWorker("worker-e"); // back to two workers for what follows
    }

    /**
     * Stops (SIGTERM) the worker that {@code busy} says works on {@code sha}: its log says {@code stopped} and never
     * {@code failed}, the other worker's says {@code done}, and the fleet converges with web1 deployed exactly once.
     */
    private static void stopTheWorkerBusyWith(String sha, java.util.function.Predicate<DriftlessProcess> busy, String stopped,
            String failed, String done) {
        String commit = "commit " + sha.substring(0, 12);
        String victim = await().atMost(WAIT).pollInterval(Duration.ofMillis(50)).until(
                () -> workers.entrySet().stream().filter(w -> busy.test(w.getValue())).map(Map.Entry::getKey).findFirst(),
                java.util.Optional::isPresent).orElseThrow();
        DriftlessProcess worker = workers.remove(victim);
        worker.close();
        assertTrue(worker.log().contains(commit + stopped), worker.log());
        assertFalse(worker.log().contains(failed), "a stop is not a failure:\n" + worker.log());
        DriftlessProcess survivor = workers.values().iterator().next();

        awaitInSync(sha, HOSTS);
        assertTrue(survivor.log().contains(commit + done), "the other worker did the job");
        assertEquals(1, deployments("web1", sha), "web1 is deployed exactly once");
    }

    /** A {@code nix eval} the worker started. */
    private static boolean evaluating(ProcessHandle process) {
        return process.info().command().map(c -> c.endsWith("/nix")).orElse(false)
                && process.info().arguments().map(List::of).orElse(List.of()).contains("eval");
    }

    @Test
    @Order(3)
    void aControllerKilledMidRolloutResumesFromKafkaWithItsIncidentsAndHistory() throws Exception {
        Path root = fleet.hostRoot(AWAY);
        Path away = root.resolveSibling(AWAY + ".away");
        java.nio.file.Files.move(root, away, java.nio.file.StandardCopyOption.ATOMIC_MOVE); // the host goes off the network
        JsonPath incident = await().atMost(WAIT).until(() -> openIncident(AWAY), i -> i != null);
        long incidentId = incident.getLong("id");
        int historyBefore = history("web2").size();

        String sha = fleet.commit(Map.of(
                "hosts/web1.nix", "{ motd = \"web1: slow switch " + RUN + "\"; extraActivation = \"sleep 4\"; }\n",
                "hosts/web2.nix", "{ motd = \"web2: third " + RUN + "\"; }\n"), "web1 slow switch, web2 third");
        await().atMost(WAIT).pollInterval(Duration.ofMillis(50)).untilAsserted(() ->
                controller.api().get("/api/v1/hosts/web1").then().body("state", equalTo("Deploying")));
        controller.kill();
        controller = startController();

        awaitInSync(sha, HOSTS.stream().filter(h -> !h.equals(AWAY)).toList());
        assertEquals(desiredPath("web1"), fleet.currentSystem("web1"), "web1 is not left half-activated");
        assertTrue(deployments("web1", sha) <= 1, "web1 is deployed at most once for the commit");
        assertTrue(history("web2").size() > historyBefore, "web2's history from before the restart is still there");
        JsonPath still = openIncident(AWAY);
        assertEquals(incidentId, still == null ? -1 : still.getLong("id"), "the open incident survived the restart");

        java.nio.file.Files.move(away, root, java.nio.file.StandardCopyOption.ATOMIC_MOVE); // back on the network
        awaitInSync(sha, HOSTS);
        controller.api().get("/api/v1/incidents?host=" + AWAY).then()
                .body("find { it.id == " + incidentId + " }.closedAt", org.hamcrest.Matchers.notNullValue());
    }

    @Test
    @Order(4)
    void aBrokerRestartDuringARolloutIsRiddenOutAndReadinessFollowsTheBroker() {
        Map<String, String> changes = new HashMap<>();
        HOSTS.forEach(h -> changes.put("hosts/" + h + ".nix", "{ motd = \"" + h + ": fourth " + RUN + "\"; extraBuildCommands = \"sleep 2\"; }\n"));
        String sha = fleet.commit(changes, "every host: fourth");
        await().atMost(WAIT).pollInterval(Duration.ofMillis(100)).until(() -> workers.values().stream()
                .anyMatch(w -> w.log().contains("commit " + sha.substring(0, 12) + ": building")));

        broker.stop();
        await().atMost(WAIT).until(() -> given().baseUri(controller.url()).get("/q/health/ready").statusCode() == 503);
        broker.restart();
        await().atMost(WAIT).until(() -> given().baseUri(controller.url()).get("/q/health/ready").statusCode() == 200);

        awaitInSync(sha, HOSTS);
        for (String host : HOSTS) {
            assertEquals(1, deployments(host, sha), host + " is deployed exactly once");
        }
    }

    @Test
    @Order(5)
    void malformedRecordsOnEveryInputTopicGoToTheDeadLetterTopicAndNothingStops() throws Exception {
        String run = Instant.now().toString();
        Map<String, byte[]> poison = new LinkedHashMap<>();
        poison.put(Topics.COMMITS, ("not json " + run).getBytes(StandardCharsets.UTF_8));
        poison.put(Topics.EVALUATIONS, ("{\"specversion\":\"1.0\",\"id\":\"" + run + "\",\"source\":\"/test\",\"data\":{}}").getBytes(StandardCharsets.UTF_8));
        poison.put(Topics.BUILD_REQUESTS, ("{\"specversion\":\"1.0\",\"id\":\"" + run + "\",\"source\":\"/test\",\"type\":\"dev.driftless.commit.observed\","
                + "\"data\":{\"sha\":\"abc\",\"branch\":\"main\"}}").getBytes(StandardCharsets.UTF_8));
        poison.put(Topics.BUILD_RESULTS, ("{\"specversion\":\"1.0\",\"id\":\"" + run + "\",\"source\":\"/test\",\"type\":\"dev.driftless.build.succeeded\","
                + "\"data\":{\"sha\":\"abc\",\"host\":\"web1\"}}").getBytes(StandardCharsets.UTF_8));
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers", broker.bootstrapServers()),
                new StringSerializer(), new ByteArraySerializer())) {
            for (Map.Entry<String, byte[]> p : poison.entrySet()) {
                producer.send(new ProducerRecord<>(p.getKey(), "poison", p.getValue())).get();
            }
        }

        await().atMost(WAIT).untilAsserted(() -> {
            Map<String, ConsumerRecord<String, byte[]>> dead = deadLetters();
            for (Map.Entry<String, byte[]> p : poison.entrySet()) {
                ConsumerRecord<String, byte[]> letter = dead.get(new String(p.getValue(), StandardCharsets.UTF_8));
                assertTrue(letter != null, "a dead letter for " + p.getKey() + " among " + dead.size());
                assertEquals(p.getKey(), header(letter, "dead-letter-topic"));
                assertFalse(header(letter, "dead-letter-reason").isBlank(), "the reason is given");
            }
        });
        List<DriftlessProcess> all = new ArrayList<>(workers.values());
        all.add(controller);
        for (String topic : poison.keySet()) {
            double counted = all.stream().mapToDouble(p -> deadLetterCount(p, topic)).sum();
            assertTrue(counted >= 1, "driftless_dead_letters_total counts " + topic);
            assertTrue(all.stream().anyMatch(p -> p.log().contains("a record on " + topic + " is not a Driftless CloudEvent")),
                    "a log line names " + topic);
        }
        String sha = fleet.commit("hosts/db1.nix", "{ motd = \"db1: after the poison " + RUN + "\"; }\n", "db1: after the poison");
        awaitInSync(sha, HOSTS);
        given().baseUri(controller.url()).get("/q/health/live").then().statusCode(200);
        workers.values().forEach(w -> given().baseUri(w.url()).get("/q/health/live").then().statusCode(200));
    }

    @Test
    @Order(6)
    void kafkasOwnConsoleConsumerReadsHostEventsAsCloudEventsKeyedByHost() throws Exception {
        ProcessResult read = broker.tool(Duration.ofSeconds(90), "org.apache.kafka.tools.consumer.ConsoleConsumer",
                "--bootstrap-server", broker.bootstrapServers(), "--topic", Topics.HOST_EVENTS, "--from-beginning",
                "--timeout-ms", "10000", "--property", "print.key=true", "--property", "key.separator=\t");
        List<String> lines = read.stdout().lines().filter(l -> !l.isBlank()).toList();
        assertTrue(lines.size() >= HOSTS.size(), "host events were read: " + read.stdout() + read.stderr());
        ObjectMapper json = new ObjectMapper();
        Set<String> types = new java.util.TreeSet<>();
        for (String line : lines) {
            String[] keyAndValue = line.split("\t", 2);
            assertEquals(2, keyAndValue.length, "key and value: " + line);
            JsonNode event = json.readTree(keyAndValue[1]);
            assertEquals("1.0", event.path("specversion").asText(), line);
            for (String attribute : List.of("id", "source", "type", "subject", "time")) {
                assertFalse(event.path(attribute).asText().isBlank(), attribute + " in " + line);
            }
            assertTrue(event.path("type").asText().startsWith("dev.driftless."), line);
            assertEquals(keyAndValue[0], event.path("subject").asText(), "keyed by host: " + line);
            Instant.parse(event.path("time").asText());
            assertTrue(event.path("data").isObject(), line);
            types.add(event.path("type").asText());
        }
        assertTrue(types.containsAll(List.of("dev.driftless.deployment.succeeded", "dev.driftless.incident.opened",
                "dev.driftless.incident.closed")), "types seen: " + types);
    }

    private static Map<String, ConsumerRecord<String, byte[]>> deadLetters() {
        Map<String, ConsumerRecord<String, byte[]>> byValue = new HashMap<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of("bootstrap.servers", broker.bootstrapServers()),
                new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(Topics.DEAD_LETTER).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                consumer.poll(Duration.ofMillis(500)).forEach(r -> byValue.put(new String(r.value(), StandardCharsets.UTF_8), r));
            }
        }
        return byValue;
    }

    private static double deadLetterCount(DriftlessProcess process, String topic) {
        String metrics = given().baseUri(process.url()).get("/q/metrics").then().statusCode(200).extract().asString();
        return metrics.lines().filter(l -> l.startsWith("driftless_dead_letters_total{") && l.contains("topic=\"" + topic + "\""))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    private static String header(ConsumerRecord<String, byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? "" : new String(header.value(), StandardCharsets.UTF_8);
    }

    private static void awaitInSync(String sha, List<String> hosts) {
        await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            JsonPath all = controller.api().get("/api/v1/hosts").then().statusCode(200).extract().jsonPath();
            for (String host : hosts) {
                assertEquals("InSync", all.getString("find { it.name == '" + host + "' }.state"), host);
                assertEquals(sha, all.getString("find { it.name == '" + host + "' }.desired.commit"), host);
            }
        });
    }

    private static int deployments(String host, String sha) {
        return KafkaFleet.deployments(controller, host, sha);
    }

    private static List<Map<String, Object>> history(String host) {
        return controller.api().get("/api/v1/hosts/" + host + "/history").then().statusCode(200)
                .extract().jsonPath().getList("$");
    }

    private static String desiredPath(String host) {
        return controller.api().get("/api/v1/hosts/" + host).then().extract().jsonPath().getString("desired.path");
    }

    private static JsonPath openIncident(String host) {
        JsonPath incidents = controller.api().get("/api/v1/incidents?host=" + host).then().extract().jsonPath();
        List<Map<String, Object>> open = incidents.getList("findAll { it.closedAt == null }");
        return open.isEmpty() ? null : new JsonPath(new ObjectMapper().valueToTree(open.get(0)).toString());
    }

    private static DriftlessProcess startController() {
        return DriftlessProcess.start(controllerConfig(), "distributed-controller-" + (++starts));
    }

    private static Map<String, String> controllerConfig() {
        return kafka.controller(null);
    }

    private static void startWorker(String name) {
        workers.put(name, DriftlessProcess.start(kafka.worker(name), "distributed-" + name));
    }
}
