package dev.driftless.host.transport;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One long-lived remote {@code sh} per host, over the host's master connection, that answers
 * read-only scripts (observations) without starting a process on either side: the script goes in
 * on its stdin, and its answer comes back ending in a line no script prints. A resync of many
 * hosts then costs a few reads per host instead of an ssh client here and a login shell there.
 * Anything unexpected (the session ended, no answer in time) closes it and answers empty; the
 * caller then runs the script as a command of its own, which reports what went wrong.
 */
final class SshSession implements AutoCloseable {

    /** How a session answers, or not: the real one, or none at all in unit tests of the code around it. */
    interface Shell extends AutoCloseable {
        /** The script's stdout, or empty when the session could not answer. */
        Optional<String> run(String script, Duration limit);

        @Override
        void close();
    }

    static final Shell NONE = new Shell() {
        @Override
        public Optional<String> run(String script, Duration limit) {
            return Optional.empty();
        }

        @Override
        public void close() {}
    };

    private static final String EOF = "\u0000eof";

    private final List<String> argv;
    private Process process;
    private OutputStream stdin;
    private BlockingQueue<String> lines;

    /** {@code argv}: the ssh command whose remote command is a shell reading its stdin. */
    SshSession(List<String> argv) {
        this.argv = List.copyOf(argv);
    }

    static Shell over(List<String> argv) {
        SshSession session = new SshSession(argv);
        return new Shell() {
            @Override
            public Optional<String> run(String script, Duration limit) {
                return session.run(script, limit);
            }

            @Override
            public void close() {
                session.close();
            }
        };
    }

    synchronized Optional<String> run(String script, Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        try {
            if (process == null || !process.isAlive()) {
                start();
            }
            String end = "driftless-end-" + UUID.randomUUID();
            // The script runs in a subshell of its own, so that nothing it sets or leaves open carries over.
            stdin.write(("( " + script + "\n) </dev/null 2>/dev/null; echo " + end + "\n").getBytes(StandardCharsets.UTF_8));
            stdin.flush();
            StringBuilder out = new StringBuilder();
            while (true) {
                String line = lines.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (line == null || line == EOF) {
                    close();
                    return Optional.empty();
                }
                if (line.endsWith(end)) {
                    // A last line the script left unterminated ends up in front of the marker.
                    return Optional.of(out.append(line, 0, line.length() - end.length()).toString());
                }
                out.append(line).append('\n');
            }
        } catch (IOException e) {
            close();
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            return Optional.empty();
        }
    }

    private void start() throws IOException {
        close();
        process = new ProcessBuilder(argv).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        stdin = process.getOutputStream();
        BlockingQueue<String> queue = new LinkedBlockingQueue<>();
        lines = queue;
        BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        Thread pump = new Thread(() -> {
            try (reader) {
                for (String line; (line = reader.readLine()) != null; ) {
                    queue.add(line);
                }
            } catch (IOException e) {
                // The session ended; its reader says so below.
            } finally {
                queue.add(EOF);
            }
        }, "ssh-session");
        pump.setDaemon(true);
        pump.start();
    }

    @Override
    public synchronized void close() {
        if (process != null) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            process = null;
        }
    }
}
