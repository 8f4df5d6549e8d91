package dev.driftless.exec;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * The one way Driftless runs an external command: output captured within bounds, a hard
 * timeout, the whole process tree killed on timeout. Callers must be on a worker thread, never
 * an event loop.
 */
public final class ProcessRunner {

    private static final Logger LOG = Logger.getLogger(ProcessRunner.class);

    /**
     * stdout is what callers parse (one {@code nix eval --json} of a 10,000-host fleet is a few
     * MB), so its head is generous; stderr is read by people, who need its end.
     */
    static final int STDOUT_HEAD = 32 << 20;
    static final int STDOUT_TAIL = 1 << 20;
    static final int STDERR_HEAD = 64 << 10;
    static final int STDERR_TAIL = 1 << 20;

    private ProcessRunner() {}

    public static ProcessResult run(List<String> command, Map<String, String> env, Duration timeout) {
        return run(command, env, timeout, null);
    }

    public static ProcessResult run(List<String> command, Map<String, String> env, Duration timeout, Path workDir) {
        return run(command, env, timeout, workDir, null);
    }

    /**
     * As {@link #run(List, Map, Duration, Path)}, with each line of stderr shown to {@code stderrLines}
     * the moment it is written: a line it takes (returns true for) is not kept in the result. This is
     * how a long {@code nix eval} reports what it has found so far.
     */
    public static ProcessResult run(List<String> command, Map<String, String> env, Duration timeout, Path workDir,
            java.util.function.Predicate<String> stderrLines) {
        ProcessBuilder builder = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(devNull()));
        builder.environment().putAll(env);
        if (workDir != null) {
            builder.directory(workDir.toFile());
        }
        long start = System.nanoTime();
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            return new ProcessResult(command, 127, "", "cannot start " + command.get(0) + ": " + e.getMessage(), false, Duration.ZERO);
        }
        return finish(command, process, start, timeout, stderrLines);
    }

    /**
     * Starts {@code command} with its stdin left open, to be given its input later
     * ({@link Waiting#feed}); empty when it cannot start.
     */
    public static java.util.Optional<Waiting> startWaiting(List<String> command, Map<String, String> env) {
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().putAll(env);
        try {
            return java.util.Optional.of(new Waiting(command, builder.start()));
        } catch (IOException e) {
            LOG.debugf("cannot start %s ahead: %s", command.get(0), e.getMessage());
            return java.util.Optional.empty();
        }
    }

    /**
     * A command started before its input is known, waiting for it on stdin: what the command
     * spends starting (nix: ~15 ms of linking and reading its settings) is spent before the work
     * arrives. It is given its input once.
     */
    public static final class Waiting implements AutoCloseable {
        private final List<String> command;
        private final Process process;

        private Waiting(List<String> command, Process process) {
            this.command = List.copyOf(command);
            this.process = process;
        }

        /**
         * Gives the command {@code input} on stdin, closes it, and runs the command to its end as
         * {@link ProcessRunner#run} does, {@code timeout} counted from now. Empty when the command
         * had died while it waited, or would not take the input: then it was given nothing, and
         * the caller runs the command afresh.
         */
        public java.util.Optional<ProcessResult> feed(String input, Duration timeout, java.util.function.Predicate<String> stderrLines) {
            long start = System.nanoTime();
            if (!process.isAlive()) {
                close();
                return java.util.Optional.empty();
            }
            try (java.io.OutputStream stdin = process.getOutputStream()) {
                stdin.write(input.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            } catch (IOException e) {
                close();
                return java.util.Optional.empty();
            }
            return java.util.Optional.of(finish(command, process, start, timeout, stderrLines));
        }

        public boolean alive() {
            return process.isAlive();
        }

        @Override
        public void close() {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
    }

    /** Waits for a started process within {@code timeout} (killing it and its children after), and keeps what it wrote. */
    private static ProcessResult finish(List<String> command, Process process, long start, Duration timeout,
            java.util.function.Predicate<String> stderrLines) {
        Drain out = new Drain(process.getInputStream(), new BoundedOutput(STDOUT_HEAD, STDOUT_TAIL), null);
        Drain err = new Drain(process.getErrorStream(), new BoundedOutput(STDERR_HEAD, STDERR_TAIL), stderrLines);
        boolean timedOut = false;
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                timedOut = true;
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            timedOut = true;
        }
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        int exit = timedOut ? -1 : process.exitValue();
        String stdout = collect(out);
        String stderr = collect(err);
        if (out.kept.dropped() > 0 || err.kept.dropped() > 0) {
            LOG.warnf("%s wrote more than Driftless keeps: %d bytes of stdout and %d of stderr dropped from the middle",
                    command.get(0), out.kept.dropped(), err.kept.dropped());
        }
        if (LOG.isDebugEnabled()) {
            // Where a controller's time goes, process by process (DEBUG on dev.driftless.exec); no credentials in it.
            String line = String.join(" ", command).replace('\n', ' ');
            LOG.debugf("%d ms, exit %d: %s", took.toMillis(), exit,
                    dev.driftless.secret.Redaction.redact(line.length() > 240 ? line.substring(0, 240) + "…" : line));
        }
        return new ProcessResult(command, exit, stdout, stderr, timedOut, took);
    }

    /**
     * A background child (an ssh master connection, say) can inherit the pipe and keep it open
     * after the command exits; what was written by then is all we wait for.
     */
    private static String collect(Drain drain) {
        try {
            drain.done.await(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return drain.kept.text();
    }

    private static java.io.File devNull() {
        return new java.io.File("/dev/null");
    }

    /** Reads a stream to its end on its own thread, so a chatty stderr cannot fill the pipe and stall the child. */
    private static final class Drain {
        private final BoundedOutput kept;
        private final java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);

        Drain(InputStream stream, BoundedOutput kept, java.util.function.Predicate<String> lines) {
            this.kept = kept;
            Lines split = lines == null ? null : new Lines(kept, lines);
            Thread reader = new Thread(() -> {
                byte[] chunk = new byte[8192];
                try (stream) {
                    for (int n; (n = stream.read(chunk)) >= 0; ) {
                        if (split == null) {
                            kept.write(chunk, 0, n);
                        } else {
                            split.write(chunk, n);
                        }
                    }
                } catch (IOException | UncheckedIOException e) {
                    // The process is gone; keep what was read.
                } finally {
                    if (split != null) {
                        split.end();
                    }
                    done.countDown();
                }
            }, "process-drain");
            reader.setDaemon(true);
            reader.start();
        }
    }

    /** Cuts a stream into lines for a reader that may take some of them; the rest are kept as they came. */
    private static final class Lines {
        private static final int LONGEST_LINE = 64 << 10;
        private final BoundedOutput kept;
        private final java.util.function.Predicate<String> reader;
        private final java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream();
        private boolean overlong;

        Lines(BoundedOutput kept, java.util.function.Predicate<String> reader) {
            this.kept = kept;
            this.reader = reader;
        }

        void write(byte[] chunk, int length) {
            for (int i = 0; i < length; i++) {
                line.write(chunk[i]);
                if (chunk[i] == '\n') {
                    if (overlong) {
                        keep();
                        overlong = false;
                    } else {
                        offer();
                    }
                } else if (line.size() >= LONGEST_LINE) {
                    keep(); // not a line a reader waits for: kept as it comes, to its end
                    overlong = true;
                }
            }
        }

        void end() {
            if (overlong) {
                keep();
            } else if (line.size() > 0) {
                offer();
            }
        }

        private void keep() {
            kept.write(line.toByteArray(), 0, line.size());
            line.reset();
        }

        private void offer() {
            byte[] bytes = line.toByteArray();
            line.reset();
            String text = new String(bytes, java.nio.charset.StandardCharsets.UTF_8);
            boolean taken;
            try {
                taken = reader.test(text.endsWith("\n") ? text.substring(0, text.length() - 1) : text);
            } catch (RuntimeException e) {
                LOG.warnf("a reader of a process's output failed on a line: %s", e.toString());
                taken = false;
            }
            if (!taken) {
                kept.write(bytes, 0, bytes.length);
            }
        }
    }
}
