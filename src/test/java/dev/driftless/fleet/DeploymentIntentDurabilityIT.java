package dev.driftless.fleet;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.driftless.testing.DriftlessProcess;
import dev.driftless.testing.FleetFixture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What survives a power loss: a killed process loses nothing (RestartIT, KilledMidRolloutIT),
 * but only an fsync survives the loss of the OS's page cache. The state store forces each
 * deployment's intent (the generation to return to) to the device before the host is touched;
 * strace counts the fsyncs on the store's file while three hosts deploy.
 */
class DeploymentIntentDurabilityIT {

    @Test
    void eachDeploymentsIntentIsForcedToTheDiskBeforeTheHostChanges() throws IOException {
        assumeTrue("root".equals(System.getProperty("user.name")) && Files.isExecutable(Path.of("/usr/bin/strace")),
                "tracing the controller's fsyncs needs root and strace; CI runs as root and installs strace");
        try (FleetFixture fleet = new FleetFixture()) {
            Path trace = Files.createTempFile("driftless-fsync", ".trace");
            // -y names each file descriptor's path, so fsyncs of Nix's own database are not counted. --seccomp-bpf stops
            // the process only at the traced calls, not at every system call of every thread.
            List<String> strace = List.of("strace", "-f", "--seccomp-bpf", "-y", "-qq", "-e", "trace=fsync,fdatasync", "-o", trace.toString());
            try (DriftlessProcess app = DriftlessProcess.launch(fleet.config(), "intent-fsync", strace)) {
                app.awaitReady(Duration.ofSeconds(120));
                await().atMost(Duration.ofSeconds(120)).until(() -> FleetFixture.HOSTS.stream().allMatch(h -> fleet.generation(h) >= 1));
                long fsyncs = Files.readAllLines(trace).stream().filter(l -> l.contains("driftless.mv.db")).count();
                assertTrue(fsyncs >= FleetFixture.HOSTS.size(), "one fsync of the state store per deployment's intent at least, saw "
                        + fsyncs + ":\n" + String.join("\n", Files.readAllLines(trace).stream().filter(l -> l.contains("mv.db")).toList()));
            } finally {
                Files.deleteIfExists(trace);
            }
        }
    }
}
