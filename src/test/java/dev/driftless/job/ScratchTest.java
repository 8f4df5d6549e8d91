package dev.driftless.job;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScratchTest {

    @TempDir
    Path base;

    @Test
    void aNewDirectoryIsPrivateAndNamedAfterThisProcess() throws Exception {
        Path dir = new Scratch(base).directory();
        assertTrue(dir.getFileName().toString().startsWith(Scratch.PREFIX + ProcessHandle.current().pid() + "-"));
        assertTrue(Files.getPosixFilePermissions(dir).stream().noneMatch(p -> p.name().startsWith("GROUP") || p.name().startsWith("OTHERS")));
    }

    @Test
    void theFirstUseRemovesWhatAProcessThatNoLongerRunsLeftAndKeepsTheRest() throws Exception {
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        Path left = Files.createDirectories(base.resolve(Scratch.PREFIX + gone.pid() + "-abc/source/hosts"));
        Files.writeString(left.resolve("h1.nix"), "{ }");
        Path live = Files.createDirectories(base.resolve(Scratch.PREFIX + ProcessHandle.current().pid() + "-def"));
        Path other = Files.createDirectories(base.resolve("someone-else"));
        new Scratch(base).directory();
        assertFalse(Files.exists(base.resolve(Scratch.PREFIX + gone.pid() + "-abc")));
        assertTrue(Files.exists(live));
        assertTrue(Files.exists(other));
    }
}
