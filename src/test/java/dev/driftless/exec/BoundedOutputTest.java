package dev.driftless.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BoundedOutputTest {

    @Test
    void shortOutputIsKeptWhole() {
        BoundedOutput kept = new BoundedOutput(4, 4);
        write(kept, "abc");
        write(kept, "defgh");
        assertEquals("abcdefgh", kept.text());
        assertEquals(0, kept.dropped());
    }

    @Test
    void longOutputKeepsHeadAndTailAndSaysHowMuchWasDropped() {
        BoundedOutput kept = new BoundedOutput(3, 4);
        write(kept, "abc");
        for (int i = 0; i < 10; i++) {
            write(kept, "0123456789");
        }
        write(kept, "xy");
        assertEquals(105 - 7, kept.dropped());
        String text = kept.text();
        assertTrue(text.startsWith("abc\n[driftless: 98 bytes of output dropped here"), text);
        assertTrue(text.endsWith("]\n89xy"), text);
    }

    @Test
    void aSingleWriteLargerThanTheTailKeepsItsEnd() {
        BoundedOutput kept = new BoundedOutput(2, 3);
        write(kept, "ab" + "z".repeat(50) + "END");
        assertTrue(kept.text().endsWith("END"), kept.text());
        assertTrue(kept.text().startsWith("ab\n"), kept.text());
    }

    @Test
    void aChildThatWritesHundredsOfMegabytesIsKeptWithinBounds() {
        // 300 MB on each stream, then a last line that explains the failure, as a looping trace would.
        ProcessResult r = ProcessRunner.run(List.of("sh", "-c",
                "head -c 300000000 /dev/zero | tr '\\0' x; echo; echo stdout-end;"
                        + " head -c 300000000 /dev/zero | tr '\\0' y >&2; echo >&2; echo 'error: the last word' >&2; exit 1"),
                Map.of(), Duration.ofMinutes(5));
        assertEquals(1, r.exitCode());
        long bound = ProcessRunner.STDOUT_HEAD + ProcessRunner.STDOUT_TAIL + 1000;
        assertTrue(r.stdout().length() < bound, "stdout kept " + r.stdout().length() + " chars");
        assertTrue(r.stderr().length() < ProcessRunner.STDERR_HEAD + ProcessRunner.STDERR_TAIL + 1000L, "stderr kept " + r.stderr().length());
        assertTrue(r.stdout().strip().endsWith("stdout-end"), "the end of stdout is kept");
        assertTrue(r.stderr().contains("bytes of output dropped here"), "the cut is marked");
        assertTrue(r.explain().startsWith("error: the last word") || r.explain().contains("error: the last word"), r.explain());
    }

    private static void write(BoundedOutput kept, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        kept.write(bytes, 0, bytes.length);
    }
}
