package dev.driftless.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A command started before its input is known: it runs on the input it is given, within a timeout counted from then. */
class WaitingProcessTest {

    @Test
    void aWaitingCommandRunsOnTheInputItIsGivenLater() {
        try (ProcessRunner.Waiting waiting = ProcessRunner.startWaiting(List.of("sh", "-c", "read line; echo \"got $line\"; echo note >&2"),
                Map.of()).orElseThrow()) {
            ProcessResult result = waiting.feed("hello\n", Duration.ofSeconds(30), null).orElseThrow();
            assertEquals(0, result.exitCode(), result.explain());
            assertEquals("got hello", result.stdout().strip());
            assertEquals("note", result.stderr().strip());
        }
    }

    @Test
    void aCommandThatDiedWhileItWaitedIsGivenNothing() {
        ProcessRunner.Waiting waiting = ProcessRunner.startWaiting(List.of("sh", "-c", "exit 3"), Map.of()).orElseThrow();
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> !waiting.alive());
        assertEquals(Optional.empty(), waiting.feed("hello\n", Duration.ofSeconds(30), null));
    }

    @Test
    void theTimeoutCountsFromTheInputAndKillsTheCommand() {
        try (ProcessRunner.Waiting waiting = ProcessRunner.startWaiting(List.of("sh", "-c", "read line; exec sleep 60"), Map.of()).orElseThrow()) {
            ProcessResult result = waiting.feed("go\n", Duration.ofMillis(300), null).orElseThrow();
            assertTrue(result.timedOut(), result.explain());
            assertTrue(!waiting.alive(), "killed");
        }
    }

    @Test
    void aCommandThatCannotStartIsEmpty() {
        assertEquals(Optional.empty(), ProcessRunner.startWaiting(List.of("/nonexistent/command"), Map.of()));
    }
}
