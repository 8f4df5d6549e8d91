package dev.driftless.kafka;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.driftless.testing.DriftlessProcess;
import dev.driftless.testing.FleetFixture;
import dev.driftless.testing.KafkaFleet;
import io.restassured.path.json.JsonPath;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Several active controllers sharing one fleet on a real broker, each the packaged jar in its
 * own JVM. The hosts are named so that each of the 8 host partitions holds one, so every
 * controller that holds a partition reconciles a host. Controllers join mid-rollout and are
 * killed, and no host is ever deployed twice.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ControllerSharingIT {

    private static final Duration WAIT = Duration.ofSeconds(120);
    /** One host in each of the 8 partitions of driftless.host-owners. */
    private static final List<String> HOSTS = List.of("node1", "node4", "node10", "node11", "node13", "node14", "node15", "node26");
    private static final String RUN = java.util.UUID.randomUUID().toString();

    private static KafkaFleet kafka;
    private static FleetFixture fleet;
    private static DriftlessProcess worker;
    private static final Map<String, DriftlessProcess> controllers = new LinkedHashMap<>();

    @BeforeAll
    static void startFleet() {
        kafka = KafkaFleet.start("sharing", HOSTS);
        fleet = kafka.fleet();
        worker = DriftlessProcess.start(kafka.worker("worker"), "sharing-worker");
        startController("a");
    }

    @AfterAll
    static void stopFleet() {
        controllers.values().forEach(DriftlessProcess::close);
        if (worker != null) {
            worker.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    @Order(1)
    void twoControllersSplitTheHostsAndEachDeploysOnlyItsOwn() {
        awaitInSync(fleet.head());
        startController("b");
        Map<String, String> owners = awaitOwners(Set.of("a", "b")); // each holds a share of the 8 partitions, so of the hosts

        String sha = fleet.commit(everyHost("second", ""), "every host: second");
        awaitInSync(sha);
        for (String host : HOSTS) {
            assertEquals(1, deployments(host, sha), host + " is deployed exactly once");
            String deploying = "host " + host + " commit " + sha.substring(0, 12) + ": deploying";
            controllers.forEach((name, c) -> assertEquals(name.equals(owners.get(host)), c.log().contains(deploying),
                    host + " is deployed by its owner " + owners.get(host) + " alone, not by " + name));
        }
    }

    @Test
    @Order(2)
    void aControllerJoiningMidRolloutTakesHostsOnlyOnceTheirRunsAreDone() throws Exception {
        // Every host's switch waits for this file, so the new controller surely joins while every run is under way.
        Path gate = kafka.broker().dir().resolve("switch-gate-" + RUN);
        String sha = fleet.commit(everyHost("third", "extraActivation = \"while [ ! -e " + gate + " ]; do sleep 0.1; done\";"),
                "every host: third, switching when the test says");
        await().atMost(WAIT).pollInterval(Duration.ofMillis(50)).until(() -> states().values().stream().allMatch("Deploying"::equals));
        startController("c");

        await().atMost(WAIT).until(() -> controllers.values().stream().anyMatch(c -> c.log().contains("once their runs here finish")));
        // Without the wait, the group would hand them to it within about 3 s.
        for (int i = 0; i < 40; i++) {
            assertEquals(List.of(), owned(controllers.get("c")), "the new controller takes no host whose run is still under way");
            Thread.sleep(200);
        }
        java.nio.file.Files.createFile(gate);

        awaitOwners(Set.of("a", "b", "c"));
        awaitInSync(sha);
        for (String host : HOSTS) {
            assertEquals(1, deployments(host, sha), host + " is deployed exactly once, though it changed hands mid-run");
            assertEquals(desiredPath(host), fleet.currentSystem(host), host + " runs the committed generation");
        }
    }

    @Test
    @Order(3)
    void aKilledControllersHostsAndLeadMoveToTheOthers() {
        Map<String, String> before = awaitOwners(Set.of("a", "b", "c"));
        controllers.remove("a").kill(); // the first one, which leads rollouts

        awaitOwners(Set.of("b", "c")); // a's share went to the others
        String sha = fleet.commit(everyHost("fourth", ""), "every host: fourth, after a controller died");
        awaitInSync(sha);
        for (String host : HOSTS) {
            assertEquals(1, deployments(host, sha), host + " is deployed exactly once");
        }
        assertTrue(controllers.values().stream().anyMatch(c -> c.log().contains("leading rollouts")), "another controller leads");
        List<String> moved = HOSTS.stream().filter(h -> "a".equals(before.get(h))).toList();
        assertTrue(!moved.isEmpty(), "a had hosts to hand over: " + before);
    }

    @Test
    @Order(4)
    void aHostACommitDeclaresIsTakenByOneControllerAndAHostItDropsIsLetGoByAll() throws Exception {
        java.nio.file.Files.createDirectories(fleet.hostRoot("node2"));
        String hostsDir = fleet.hostRoot("node2").getParent().toString();
        String sha = fleet.commit(Map.of("site.nix", "{ hostsDir = \"" + hostsDir + "\"; }\n", "hosts/node2.nix", "{ motd = \"node2 " + RUN + "\"; }\n"),
                "declare the hosts in the flake, and a new one: node2");
        await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            int owners = 0;
            for (DriftlessProcess c : controllers.values()) {
                JsonPath node2 = c.api().get("/api/v1/hosts/node2").then().statusCode(200).extract().jsonPath();
                assertEquals("InSync", node2.getString("state"), "node2 on " + c.url());
                assertEquals(sha, node2.getString("desired.commit"), "node2 on " + c.url());
                owners += node2.getBoolean("owned") ? 1 : 0;
            }
            assertEquals(1, owners, "exactly one controller reconciles node2");
        });
        assertEquals(1, deployments("node2", sha), "node2 is deployed exactly once");
        assertEquals(desiredPath("node2"), fleet.currentSystem("node2"));

        String running = fleet.currentSystem("node2");
        String dropped = dev.driftless.testing.Shell.sh(fleet.repo(), "git rm -q hosts/node2.nix && git commit -qm 'drop node2' && git rev-parse HEAD");
        await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            for (DriftlessProcess c : controllers.values()) {
                JsonPath node2 = c.api().get("/api/v1/hosts/node2").then().statusCode(200).extract().jsonPath();
                assertEquals("Unmanaged", node2.getString("state"), "node2 on " + c.url());
                assertEquals(false, node2.getBoolean("owned"), "no controller reconciles node2 any more: " + c.url());
            }
        });
        awaitInSync(dropped);
        assertEquals(running, fleet.currentSystem("node2"), "node2 keeps running what it ran");
    }

    /**
     * Every host is owned by exactly one live controller, as their APIs say, and the hosts are
     * shared among exactly {@code controllers}; returns host → controller.
     */
    private static Map<String, String> awaitOwners(Set<String> sharing) {
        return await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).until(() -> {
            Map<String, List<String>> owners = new TreeMap<>();
            controllers.forEach((name, c) -> owned(c).forEach(h -> owners.computeIfAbsent(h, k -> new ArrayList<>()).add(name)));
            Map<String, String> single = new TreeMap<>();
            owners.forEach((h, names) -> {
                if (names.size() == 1) {
                    single.put(h, names.get(0));
                }
            });
            return single;
        }, single -> single.keySet().equals(new TreeSet<>(HOSTS)) && new TreeSet<>(single.values()).equals(sharing));
    }

    private static List<String> owned(DriftlessProcess controller) {
        return controller.api().get("/api/v1/hosts").then().statusCode(200).extract().jsonPath()
                .getList("findAll { it.owned }.name", String.class);
    }

    /** Every controller shows every host InSync on the commit and running it, its own hosts and the others' alike. */
    private static void awaitInSync(String sha) {
        await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            for (DriftlessProcess c : controllers.values()) {
                JsonPath all = c.api().get("/api/v1/hosts").then().statusCode(200).extract().jsonPath();
                for (String host : HOSTS) {
                    assertEquals("InSync", all.getString("find { it.name == '" + host + "' }.state"), host + " on " + c.url());
                    assertEquals(sha, all.getString("find { it.name == '" + host + "' }.desired.commit"), host + " on " + c.url());
                    assertEquals(all.getString("find { it.name == '" + host + "' }.desired.path"),
                            all.getString("find { it.name == '" + host + "' }.actual.path"), host + " runs it, as " + c.url() + " knows");
                }
            }
        });
    }

    private static Map<String, String> states() {
        JsonPath all = any().api().get("/api/v1/hosts").then().statusCode(200).extract().jsonPath();
        Map<String, String> states = new HashMap<>();
        HOSTS.forEach(h -> states.put(h, all.getString("find { it.name == '" + h + "' }.state")));
        return states;
    }

    /** Deployments of the commit in the host's history, as any controller has it: they all read the same history. */
    private static int deployments(String host, String sha) {
        return KafkaFleet.deployments(any(), host, sha);
    }

    private static String desiredPath(String host) {
        return any().api().get("/api/v1/hosts/" + host).then().extract().jsonPath().getString("desired.path");
    }

    private static DriftlessProcess any() {
        return controllers.values().iterator().next();
    }

    private static Map<String, String> everyHost(String what, String extra) {
        Map<String, String> changes = new HashMap<>();
        HOSTS.forEach(h -> changes.put("hosts/" + h + ".nix", "{ motd = \"" + h + ": " + what + " " + RUN + "\"; " + extra + " }\n"));
        return changes;
    }

    private static void startController(String name) {
        // A data directory, so a Git mirror, of its own.
        controllers.put(name, DriftlessProcess.start(kafka.controller("controller-" + name), "sharing-controller-" + name));
    }
}
