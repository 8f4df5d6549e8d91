package dev.driftless.job;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Private directories for a commit's exported files, in memory when the machine has a tmpfs at
 * {@code base}. Each is named after this process, so that the first use by a later process
 * removes what a killed one left in memory.
 */
final class Scratch {

    static final String PREFIX = "driftless-source-";

    private final Path base;
    private volatile boolean swept;

    Scratch(Path base) {
        this.base = base;
    }

    /** A new directory only this user can read; under the system's temporary directory when {@code base} is unusable. */
    Path directory() throws IOException {
        Path under = Files.isDirectory(base) && Files.isWritable(base) ? base : Path.of(System.getProperty("java.io.tmpdir"));
        if (!swept) {
            sweep(under);
            swept = true;
        }
        return Files.createTempDirectory(under, PREFIX + ProcessHandle.current().pid() + "-");
    }

    /** Removes the directories of processes that no longer run. */
    static void sweep(Path under) {
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(under, PREFIX + "*")) {
            for (Path dir : dirs) {
                String[] parts = dir.getFileName().toString().substring(PREFIX.length()).split("-", 2);
                try {
                    long pid = Long.parseLong(parts[0]);
                    if (ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true)) {
                        LockedSources.delete(dir);
                    }
                } catch (NumberFormatException e) {
                    // not one of ours
                }
            }
        } catch (IOException e) {
            // nothing to sweep, or nothing we may read
        }
    }
}
