package dev.driftless.host.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.driftless.host.Actual;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Observation of a host directory, read from real symlinks the way NixOS lays them out. */
class LocalTransportTest {

    private static final String SYSTEM = "/nix/store/rzid1npqx8x733x1n74h1jsflcwzwhmj-web1";

    @TempDir
    Path root;

    private LocalTransport transport() {
        return new LocalTransport(root, Map.of(), List.of(), Duration.ofSeconds(10));
    }

    @Test
    void hostThatWasNeverActivatedRunsNothingAtGenerationZero() throws Exception {
        assertEquals(Actual.NOTHING, transport().observe());
    }

    @Test
    void currentSystemAndGenerationAreReadFromTheHostsOwnLinks() throws Exception {
        Path profiles = Files.createDirectories(root.resolve("nix/var/nix/profiles"));
        Files.createSymbolicLink(profiles.resolve("system-7-link"), Path.of(SYSTEM));
        Files.createSymbolicLink(profiles.resolve("system"), Path.of("system-7-link"));
        Files.createDirectories(root.resolve("run"));
        Files.createSymbolicLink(root.resolve("run/current-system"), Path.of(SYSTEM));

        assertEquals(new Actual(SYSTEM, 7), transport().observe());
    }

    @Test
    void linkThroughTheProfileIsFollowedInsideTheHostRoot() throws Exception {
        Path profiles = Files.createDirectories(root.resolve("nix/var/nix/profiles"));
        Files.createSymbolicLink(profiles.resolve("system-2-link"), Path.of(SYSTEM + "/sw/.."));
        Files.createSymbolicLink(profiles.resolve("system"), Path.of("system-2-link"));
        Files.createDirectories(root.resolve("run"));
        // Absolute as the host sees it, so it must resolve under root, not on the controller.
        Files.createSymbolicLink(root.resolve("run/current-system"), Path.of("/nix/var/nix/profiles/system"));

        assertEquals(new Actual(SYSTEM, 2), transport().observe());
    }

    @Test
    void danglingCurrentSystemOutsideTheStoreIsNoSystem() throws Exception {
        Files.createDirectories(root.resolve("run"));
        Files.createSymbolicLink(root.resolve("run/current-system"), Path.of("/etc/nowhere"));
        assertNull(transport().observe().path());
    }

    @Test
    void missingRootIsUnreachable() {
        LocalTransport gone = new LocalTransport(root.resolve("gone"), Map.of(), List.of(), Duration.ofSeconds(10));
        assertThrows(HostUnreachable.class, gone::observe);
    }

    /** A toplevel in the host's store whose kernel, initrd and modules link to {@code kernel}'s store paths, as NixOS's do. */
    private String toplevel(String name, String kernel) throws Exception {
        String system = "/nix/store/" + name;
        Path dir = Files.createDirectories(root.resolve(system.substring(1)));
        for (String part : List.of("kernel", "initrd", "kernel-modules")) {
            String target = "/nix/store/" + kernel + "-" + part;
            Files.createDirectories(root.resolve(target.substring(1)));
            Files.createSymbolicLink(dir.resolve(part), Path.of(target));
        }
        return system;
    }

    private void boot(String booted, String current) throws Exception {
        Files.createDirectories(root.resolve("run"));
        Files.createSymbolicLink(root.resolve("run/booted-system"), Path.of(booted));
        Files.createSymbolicLink(root.resolve("run/current-system"), Path.of(current));
    }

    @Test
    void aGenerationWithAnotherKernelThanTheBootedOneNeedsAReboot() throws Exception {
        boot(toplevel("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-host", "k61"), toplevel("bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb-host", "k66"));
        Actual seen = transport().observe();
        assertTrue(seen.rebootRequired());
        assertEquals("/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-host", seen.boot().booted());
    }

    @Test
    void aNewGenerationWithTheBootedKernelNeedsNoReboot() throws Exception {
        boot(toplevel("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-host", "k61"), toplevel("bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb-host", "k61"));
        assertFalse(transport().observe().rebootRequired());
    }
}
