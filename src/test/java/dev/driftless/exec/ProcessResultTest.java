package dev.driftless.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProcessResultTest {

    @Test
    void explanationStartsAtNixsErrorAndDropsColours() {
        ProcessResult r = new ProcessResult(List.of("nix", "eval"), 1, "",
                "warning: Git tree is dirty\n\u001B[31;1merror:\u001B[0m syntax error, unexpected ';'", false, Duration.ZERO);
        assertEquals("error: syntax error, unexpected ';'", r.explain());
    }

    @Test
    void silentFailureSaysWhichCommandAndExitCode() {
        ProcessResult r = new ProcessResult(List.of("switch-to-configuration", "switch"), 3, "", "", false, Duration.ZERO);
        assertEquals("switch-to-configuration exited with 3", r.explain());
    }

    @Test
    void runnerKillsACommandThatOutlivesItsTimeout() throws Exception {
        java.nio.file.Path pidFile = java.nio.file.Files.createTempFile("driftless-sleep", ".pid");
        try {
            ProcessResult r = ProcessRunner.run(List.of("sh", "-c", "echo $$ > \"$0\"; exec sleep 30", pidFile.toString()), Map.of(),
                    Duration.ofMillis(300));
            assertTrue(r.timedOut());
            assertTrue(r.explain().contains("timed out"), r.explain());
            long pid = Long.parseLong(java.nio.file.Files.readString(pidFile).strip());
            assertTrue(ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true), "the sleep was killed, not waited for");
        } finally {
            java.nio.file.Files.deleteIfExists(pidFile);
        }
    }

    @Test
    @org.junit.jupiter.api.Timeout(60) // A hang guard: without the fix this waits for the child's 120 s.
    void runnerReturnsWhenTheCommandExitsEvenIfABackgroundChildKeepsItsOutputOpen() {
        ProcessResult r = ProcessRunner.run(List.of("sh", "-c", "sleep 120 & echo started"), Map.of(), Duration.ofSeconds(20));
        assertEquals(0, r.exitCode());
        assertEquals("started", r.stdout().strip());
    }

    @Test
    void runnerReportsACommandThatCannotStart() {
        ProcessResult r = ProcessRunner.run(List.of("/nonexistent/driftless-cmd"), Map.of(), Duration.ofSeconds(5));
        assertEquals(127, r.exitCode());
        assertTrue(r.explain().contains("cannot start /nonexistent/driftless-cmd"), r.explain());
    }
}
