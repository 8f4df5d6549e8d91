package dev.driftless.host.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The session logic, with a local {@code sh} standing in for the remote one at the end of ssh. */
class SshSessionTest {

    private static final Duration LIMIT = Duration.ofSeconds(20);

    @Test
    void answersScriptAfterScriptFromOneShell() {
        SshSession session = new SshSession(List.of("sh"));
        try {
            assertEquals(Optional.of("a\nb\n"), session.run("echo a; echo b", LIMIT));
            assertEquals(Optional.of("/\n"), session.run("cd / && pwd", LIMIT));
            // Each script runs in a subshell: what one sets or changes does not reach the next.
            assertEquals(Optional.of("\n"), session.run("echo \"$c\"", LIMIT));
            session.run("c=set; cd /tmp", LIMIT);
            assertEquals(Optional.of("\n"), session.run("echo \"$c\"", LIMIT));
        } finally {
            session.close();
        }
    }

    @Test
    void keepsALastLineWithoutItsNewlineAndDropsStderr() {
        SshSession session = new SshSession(List.of("sh"));
        try {
            assertEquals(Optional.of("x\nno newline"), session.run("echo x; printf 'no newline'; echo oops >&2", LIMIT));
            assertEquals(Optional.of(""), session.run("true", LIMIT));
        } finally {
            session.close();
        }
    }

    @Test
    void aScriptThatExitsOrReadsStdinLeavesTheSessionAnswering() {
        SshSession session = new SshSession(List.of("sh"));
        try {
            assertEquals(Optional.of("before\n"), session.run("echo before; exit 3", LIMIT));
            assertEquals(Optional.of(""), session.run("cat", LIMIT), "stdin of a script is empty, not the session's");
            assertEquals(Optional.of("still\n"), session.run("echo still", LIMIT));
        } finally {
            session.close();
        }
    }

    @Test
    void noAnswerWithinTheLimitIsEmptyAndTheNextRunStartsAFreshShell() {
        SshSession session = new SshSession(List.of("sh"));
        try {
            String pid = session.run("echo $$", LIMIT).orElseThrow();
            assertEquals(Optional.empty(), session.run("sleep 30", Duration.ofMillis(300)));
            String again = session.run("echo $$", LIMIT).orElseThrow();
            assertTrue(!again.equals(pid), "a new shell after the one that did not answer: " + pid + " then " + again);
        } finally {
            session.close();
        }
    }

    @Test
    void aShellThatEndedIsEmptyOnceThenReplaced() {
        SshSession session = new SshSession(List.of("sh", "-c", "read line; exit 0"));
        try {
            assertEquals(Optional.empty(), session.run("echo hi", LIMIT), "the shell ended before answering");
        } finally {
            session.close();
        }
        SshSession missing = new SshSession(List.of("/nonexistent/ssh"));
        assertEquals(Optional.empty(), missing.run("echo hi", LIMIT), "a session that cannot start answers empty");
    }
}
