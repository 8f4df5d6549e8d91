package dev.driftless.host.transport;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A directory host's watch, on the real file system's notifications. */
class LocalWatchTest {

    @Test
    void replacingTheCurrentSystemLinkAsNixosDoesOrTheSystemProfileIsReported(@TempDir Path root) throws Exception {
        Files.createDirectories(root.resolve("run"));
        Files.createDirectories(root.resolve("nix/var/nix/profiles"));
        Files.createSymbolicLink(root.resolve("run/current-system"), Path.of("/nix/store/aaa-host"));
        LocalTransport host = new LocalTransport(root, Map.of(), List.of(), Duration.ofSeconds(5));
        AtomicInteger changes = new AtomicInteger();
        HostWatch watch = host.watch(changes::incrementAndGet).orElseThrow();
        try {
            Files.writeString(root.resolve("run/utmp"), "x"); // /run is busy on a machine: not a change of what it runs
            // ln -sfn: a new link beside the old, renamed over it.
            Files.createSymbolicLink(root.resolve("run/.current-system.tmp"), Path.of("/nix/store/bbb-host"));
            Files.move(root.resolve("run/.current-system.tmp"), root.resolve("run/current-system"), StandardCopyOption.REPLACE_EXISTING,
                    StandardCopyOption.ATOMIC_MOVE);
            await().atMost(Duration.ofSeconds(10)).until(() -> changes.get() > 0);

            int seen = changes.get();
            Files.createSymbolicLink(root.resolve("nix/var/nix/profiles/system"), Path.of("system-2-link"));
            await().atMost(Duration.ofSeconds(10)).until(() -> changes.get() > seen);
            assertTrue(watch.alive());
        } finally {
            watch.close();
        }
        assertEquals(false, watch.alive());
    }

    @Test
    void aHostWhoseDirectoriesDoNotExistYetCannotBeWatched(@TempDir Path root) {
        LocalTransport host = new LocalTransport(root, Map.of(), List.of(), Duration.ofSeconds(5));
        assertTrue(host.watch(() -> {}).isEmpty(), "no run/ before the first deployment: the reconcile tries again");
    }
}
