package dev.driftless.host;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.driftless.testing.DriftlessProcess;
import dev.driftless.testing.FleetFixture;
import dev.driftless.testing.NamespaceFleet;
import dev.driftless.testing.SshProcesses;
import io.restassured.path.json.JsonPath;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The packaged jar's shared ssh connections do not outlive it: a stopped controller ends its
 * masters, and the masters of a killed one are ended by the next start, which never joins them.
 * The bounds here are well under ControlPersist, so a master that merely timed out would not pass.
 */
class SshControlSocketsIT {

    private static final Duration GONE = Duration.ofSeconds(30);

    @Test
    void controllerEndsItsSshMastersAtStopAndTheNextStartEndsThoseOfAKilledOneWithoutJoiningThem() throws Exception {
        assumeTrue(NamespaceFleet.canRun(), "SSH tests need root and sshd to make network-namespace hosts; CI runs as root");
        try (FleetFixture repo = new FleetFixture(List.of("edge1")); NamespaceFleet hosts = new NamespaceFleet(List.of("edge1"))) {
            Path controlBase = Files.createTempDirectory("dlc"); // 0700, and short enough for socket paths
            try {
                stopAndKill(repo, hosts, controlBase);
            } finally {
                SshProcesses.endAll(controlBase); // whatever a failed run left
            }
        }
    }

    private static void stopAndKill(FleetFixture repo, NamespaceFleet hosts, Path controlBase) throws Exception {
        Map<String, String> config = hosts.controllerConfig(repo);
        config.put("driftless.hosts.edge1.health-check", "test -e /run/current-system");
        config.put("driftless.reconcile.interval", "2s");
        config.put("driftless.ssh.control-dir", controlBase.toString());
        config.put("driftless.api.token", "control-sockets-token-0123456789abcdef");

        // A clean stop (SIGTERM) ends the masters and removes the directory.
        Path stoppedDir;
        long stoppedMaster;
        try (DriftlessProcess first = DriftlessProcess.start(config, "ssh-control-stopped")) {
            awaitInSync(first, repo.head());
            stoppedDir = onlyDir(controlBase);
            stoppedMaster = awaitMaster(stoppedDir);
        }
        long stopped = System.nanoTime();
        await().atMost(GONE).until(() -> !alive(stoppedMaster) && SshProcesses.using(stoppedDir).isEmpty());
        System.out.printf("master %d and every other ssh process of %s were gone %.1f s after the controller stopped%n",
                stoppedMaster, stoppedDir, (System.nanoTime() - stopped) / 1e9);
        assertFalse(Files.exists(stoppedDir), "the stopped controller's directory is removed");

        // SIGKILL leaves the master running, with its socket in the dead controller's directory.
        Path killedDir;
        long killedMaster;
        DriftlessProcess killed = DriftlessProcess.start(config, "ssh-control-killed");
        try {
            awaitInSync(killed, repo.head());
            killedDir = onlyDir(controlBase);
            killedMaster = awaitMaster(killedDir);
        } finally {
            killed.kill();
        }
        assertNotEquals(stoppedDir, killedDir, "each start has a directory of its own");
        assertTrue(alive(killedMaster),
                "a killed controller cannot end its master " + killedMaster + " itself");

        // The next start ends it, removes the directory, and connects through a directory of its own.
        long restarted = System.nanoTime();
        try (DriftlessProcess next = DriftlessProcess.start(config, "ssh-control-next")) {
            await().atMost(GONE).until(() -> !alive(killedMaster) && SshProcesses.using(killedDir).isEmpty() && !Files.exists(killedDir));
            System.out.printf("the killed controller's master %d was ended %.1f s after the next controller was started%n",
                    killedMaster, (System.nanoTime() - restarted) / 1e9);
            assertTrue(next.log().contains("ended the ssh connections that a controller which is gone left in " + killedDir), next.log());

            String head = repo.commit("hosts/edge1.nix", "{ motd = \"edge1: after the kill\"; }\n", "edge1: after the kill");
            awaitInSync(next, head);
            Path nextDir = onlyDir(controlBase);
            assertNotEquals(killedDir, nextDir);
            long nextMaster = awaitMaster(nextDir);
            assertNotEquals(killedMaster, nextMaster, "the host is reached over a connection of the new controller's own");
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(nextDir)));
        }
        await().atMost(GONE).until(() -> SshProcesses.controlDirs(controlBase).isEmpty());
    }

    private static boolean alive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    private static Path onlyDir(Path base) {
        List<Path> dirs = SshProcesses.controlDirs(base);
        assertEquals(1, dirs.size(), "one controller, one directory: " + dirs);
        return dirs.get(0);
    }

    private static long awaitMaster(Path dir) {
        return await().atMost(Duration.ofSeconds(60)).until(() -> SshProcesses.master(dir), m -> m.isPresent()).getAsLong();
    }

    private static void awaitInSync(DriftlessProcess app, String commit) {
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(300)).untilAsserted(() -> {
            JsonPath host = app.api().get("/api/v1/hosts/edge1").then().extract().jsonPath();
            assertEquals(commit, host.getString("desired.commit"));
            assertEquals("InSync", host.getString("state"), host.getString("message"));
        });
    }
}
