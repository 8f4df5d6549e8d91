package dev.driftless.exec;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The one way Driftless runs an external command: output captured, a hard timeout, the whole
 * process tree killed on timeout. Callers must be on a worker thread, never an event loop.
 */
public final class ProcessRunner {

    private ProcessRunner() {}

    public static ProcessResult run(List<String> command, Map<String, String> env, Duration timeout) {
        return run(command, env, timeout, null);
    }

    public static ProcessResult run(List<String> command, Map<String, String> env, Duration timeout, Path workDir) {
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
        CompletableFuture<String> out = drain(process.getInputStream());
        CompletableFuture<String> err = drain(process.getErrorStream());
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
        return new ProcessResult(command, exit, out.join(), err.join(), timedOut, took);
    }

    private static java.io.File devNull() {
        return new java.io.File("/dev/null");
    }

    private static CompletableFuture<String> drain(InputStream stream) {
        // Each stream gets its own thread so a chatty stderr cannot fill the pipe and stall the child.
        CompletableFuture<String> result = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (stream) {
                ByteArrayOutputStream buffer = new ByteArrayOutputStream();
                stream.transferTo(buffer);
                result.complete(buffer.toString(StandardCharsets.UTF_8));
            } catch (IOException e) {
                result.complete("");
            } catch (UncheckedIOException e) {
                result.complete("");
            }
        }, "process-drain");
        reader.setDaemon(true);
        reader.start();
        return result;
    }
}
