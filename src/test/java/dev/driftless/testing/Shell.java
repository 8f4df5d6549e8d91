package dev.driftless.testing;

import dev.driftless.exec.ProcessResult;
import dev.driftless.exec.ProcessRunner;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** Runs a shell snippet for a test and fails loudly with its stderr when it does not succeed. */
public final class Shell {

    public static final String OFFLINE_NIX = "experimental-features = nix-command flakes\nsandbox = false\nsubstituters =";

    private Shell() {}

    public static String sh(Path dir, String script, String... args) {
        List<String> command = new java.util.ArrayList<>(List.of("sh", "-ec", script, "sh"));
        command.addAll(List.of(args));
        ProcessResult result = ProcessRunner.run(command, Map.of("NIX_CONFIG", OFFLINE_NIX,
                "GIT_AUTHOR_NAME", "Test", "GIT_AUTHOR_EMAIL", "test@example.org",
                "GIT_COMMITTER_NAME", "Test", "GIT_COMMITTER_EMAIL", "test@example.org"), Duration.ofMinutes(5), dir);
        if (!result.ok()) {
            throw new AssertionError("shell failed (" + result.exitCode() + "): " + script + "\n" + result.stderr());
        }
        return result.stdout().strip();
    }
}
