package dev.driftless.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class ProcessRunnerLinesTest {

    @Test
    void stderrLinesReachTheReaderInOrderAndTakenOnesAreNotKept() {
        List<String> seen = new CopyOnWriteArrayList<>();
        ProcessResult result = ProcessRunner.run(List.of("sh", "-c",
                "echo one >&2; echo 'take: a' >&2; echo out; echo 'take: b' >&2; printf 'no newline' >&2"),
                Map.of(), Duration.ofSeconds(10), null, line -> seen.add(line) && line.startsWith("take: "));
        assertEquals(List.of("one", "take: a", "take: b", "no newline"), seen);
        assertEquals("one\nno newline", result.stderr());
        assertEquals("out\n", result.stdout());
    }

    @Test
    void aReaderThatThrowsLosesNoOutput() {
        ProcessResult result = ProcessRunner.run(List.of("sh", "-c", "echo first >&2; echo second >&2"), Map.of(),
                Duration.ofSeconds(10), null, line -> {
                    throw new IllegalStateException("broken reader");
                });
        assertEquals("first\nsecond\n", result.stderr());
    }

    @Test
    void aVeryLongLineIsKeptWhole() {
        ProcessResult result = ProcessRunner.run(List.of("sh", "-c", "yes x | head -c 200000 | tr -d '\\n' >&2; echo >&2"), Map.of(),
                Duration.ofSeconds(10), null, line -> true);
        assertEquals(100000, result.stderr().chars().filter(c -> c == 'x').count());
    }
}
