package dev.driftless.host.transport;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The SSH watch's host-side loop, run by a real shell here on a directory laid out as a host's /. */
class SshWatchLoopTest {

    @Test
    void aSwitchedGenerationIsReportedOnceAndAHostWithNoGenerationYetIsQuiet(@TempDir Path root) throws Exception {
        Path store = Files.createDirectories(root.resolve("store"));
        Path one = Files.createDirectories(store.resolve("aaa-host"));
        Path two = Files.createDirectories(store.resolve("bbb-host"));
        Files.createDirectories(root.resolve("run"));
        Files.createDirectories(root.resolve("nix/var/nix/profiles"));
        AtomicInteger changes = new AtomicInteger();
        for (String shell : List.of("bash", "sh")) {
            changes.set(0);
            SshWatch watch = SshWatch.start(List.of(shell, "-c", SshWatch.loop(root.toString())), changes::incrementAndGet);
            try {
                // No current-system yet: nothing to report, however long it runs.
                await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(5)).until(() -> changes.get() == 0);
                Files.createSymbolicLink(root.resolve("run/current-system"), one);
                await().atMost(Duration.ofSeconds(10)).until(() -> changes.get() == 1);
                Path next = root.resolve("run/.next");
                Files.createSymbolicLink(next, two);
                Files.move(next, root.resolve("run/current-system"), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                await().atMost(Duration.ofSeconds(10)).until(() -> changes.get() == 2);
                assertEquals(true, watch.alive(), shell);
            } finally {
                watch.close();
                Files.deleteIfExists(root.resolve("run/current-system"));
            }
        }
    }
}
