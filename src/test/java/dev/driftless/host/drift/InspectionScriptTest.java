package dev.driftless.host.drift;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.driftless.exec.ProcessResult;
import dev.driftless.exec.ProcessRunner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The host-side script run by this machine's sh against a directory laid out as NixOS lays out /etc. */
class InspectionScriptTest {

    @TempDir
    Path root;

    @Test
    void theScriptFindsEveryKindOfEtcDriftAndNothingElse() throws IOException {
        Path generation = Files.createDirectories(root.resolve("gen/etc"));
        Files.createDirectories(generation.resolve("ssh"));
        for (String file : List.of("motd", "hosts", "nsswitch.conf", "ssh/sshd_config", "sudoers")) {
            Files.writeString(generation.resolve(file), file + "\n");
        }
        Files.writeString(generation.resolve("sudoers.mode"), "0440\n");
        Path etc = Files.createDirectories(root.resolve("etc"));
        Files.createDirectories(etc.resolve("ssh"));
        Files.createSymbolicLink(etc.resolve("static"), generation);
        Files.createSymbolicLink(etc.resolve("ssh/sshd_config"), Path.of("/etc/static/ssh/sshd_config"));
        Files.createSymbolicLink(etc.resolve("hosts"), Path.of("/tmp/somewhere-else"));
        Files.writeString(etc.resolve("motd"), "edited by hand\n");
        Files.writeString(etc.resolve("sudoers"), "copied by NixOS, with a mode\n");
        // nsswitch.conf is missing from /etc.

        Finding found = run().get(0);

        assertTrue(found.known(), found.evidence().toString());
        assertEquals(List.of("/etc/hosts points to /tmp/somewhere-else, not into the generation",
                "/etc/motd was replaced by a regular file", "/etc/nsswitch.conf is missing"),
                found.evidence().stream().sorted().toList());
    }

    @Test
    void aLinkedEtcIsCleanAndADirectoryWithoutEtcStaticCannotTell() throws IOException {
        Path generation = Files.createDirectories(root.resolve("gen/etc"));
        Files.writeString(generation.resolve("motd"), "motd\n");
        Path etc = Files.createDirectories(root.resolve("etc"));
        Files.createSymbolicLink(etc.resolve("static"), generation);
        Files.createSymbolicLink(etc.resolve("motd"), Path.of("/etc/static/motd"));
        Finding clean = run().get(0);
        assertTrue(clean.known() && !clean.drift(), clean.toString());

        Files.delete(etc.resolve("static"));
        assertFalse(run().get(0).known());
        assertFalse(run().get(1).known(), "a directory host has no systemd to ask");
    }

    private List<Finding> run() {
        ProcessResult result = ProcessRunner.run(List.of("sh", "-c", Inspection.script(root.toString())), Map.of(), Duration.ofSeconds(30));
        assertTrue(result.ok(), result.explain());
        return Inspection.findings(result.stdout());
    }
}
