package dev.driftless.testing;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;

import io.restassured.specification.RequestSpecification;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The packaged application run as its own process, the way a user starts it. */
public final class DriftlessProcess implements AutoCloseable {

    private final Process process;
    /** Started under a wrapper command such as strace: {@link #process} is the wrapper, the application its child. */
    private final boolean wrapped;
    private final int port;
    private final Path log;
    private final Map<String, String> config;

    private DriftlessProcess(Process process, boolean wrapped, int port, Path log, Map<String, String> config) {
        this.process = process;
        this.wrapped = wrapped;
        this.port = port;
        this.log = log;
        this.config = Map.copyOf(config);
    }

    public static DriftlessProcess start(Map<String, String> config, String name) {
        return start(config, name, Map.of());
    }

    /** Starts it with {@code env} added to this process's environment, such as another HOME, and waits until it is ready. */
    public static DriftlessProcess start(Map<String, String> config, String name, Map<String, String> env) {
        DriftlessProcess app = launch(config, name, env);
        app.awaitReady(Duration.ofSeconds(60));
        return app;
    }

    /** Starts it without waiting for it to be ready, as for a standby that waits its turn. */
    public static DriftlessProcess launch(Map<String, String> config, String name) {
        return launch(config, name, List.of(), Map.of());
    }

    /** Starts it under a wrapper command, such as {@code strace -f -o FILE}. */
    public static DriftlessProcess launch(Map<String, String> config, String name, List<String> wrapper) {
        return launch(config, name, wrapper, Map.of());
    }

    /** Starts it with {@code env} added to this process's environment, such as another HOME, without waiting for it. */
    public static DriftlessProcess launch(Map<String, String> config, String name, Map<String, String> env) {
        return launch(config, name, List.of(), env);
    }

    private static DriftlessProcess launch(Map<String, String> config, String name, List<String> wrapper, Map<String, String> env) {
        String jar = System.getProperty("driftless.runner.jar", "target/quarkus-app/quarkus-run.jar");
        int port = ChildJvm.freePort();
        List<String> command = new ArrayList<>(wrapper);
        command.addAll(ChildJvm.java());
        // The build's class-data archive (config/jvm.options), which matches this jar's absolute path.
        Path archive = Path.of(jar).toAbsolutePath().resolveSibling("driftless.jsa");
        if (Files.isRegularFile(archive)) {
            command.add("-XX:SharedArchiveFile=" + archive);
        }
        command.add("-Dquarkus.http.port=" + port);
        config.forEach((k, v) -> command.add("-D" + k + "=" + v));
        command.addAll(List.of("-jar", jar));
        try {
            Path log = Files.createDirectories(Path.of("target", "it-logs")).resolve(name + ".log");
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
            builder.environment().putAll(env);
            Process process = builder.start();
            return new DriftlessProcess(process, !wrapper.isEmpty(), port, log, config);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String url() {
        return "http://localhost:" + port;
    }

    /** The API token it takes: the configured one, else the one it generated into its data directory. */
    public String token() {
        String configured = config.get("driftless.api.token");
        return configured != null ? configured : FleetFixture.tokenIn(Path.of(config.get("driftless.data-dir")));
    }

    /** A request to its API that carries the token, as every call under {@code /api/v1} but the webhooks needs. */
    public RequestSpecification api() {
        return given().baseUri(url()).auth().oauth2(token());
    }

    public String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "";
        }
    }

    public boolean ready() {
        try {
            return given().baseUri(url()).get("/q/health/ready").statusCode() == 200;
        } catch (Exception notListening) { // RestAssured throws ConnectException unchecked
            return false;
        }
    }

    /** The processes it started that still run, such as its nix evaluations. */
    public List<ProcessHandle> descendants() {
        return process.toHandle().descendants().toList();
    }

    public boolean alive() {
        return process.isAlive();
    }

    public void awaitReady(Duration timeout) {
        await().atMost(timeout).pollInterval(Duration.ofMillis(200)).until(() -> {
            if (!process.isAlive()) {
                throw new AssertionError("Driftless exited with " + process.exitValue() + ":\n" + log());
            }
            try {
                return given().baseUri(url()).get("/q/health/ready").statusCode() == 200;
            } catch (Exception connectionRefused) { // RestAssured throws ConnectException unchecked
                return false;
            }
        });
    }

    /** Waits for a process that is expected to refuse to start, and returns its exit code. */
    public int awaitExit(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError("Driftless is still running after " + timeout + ":\n" + log());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
        return process.exitValue();
    }

    /** Kills it with SIGKILL, as a crash or the OOM killer would: no shutdown hooks run. */
    public void kill() {
        application().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            process.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Stops it as a service manager would, with SIGTERM, and waits for it to go. Under a wrapper the
     * signal goes to the application itself: strace, for one, does not end the command it traces
     * on SIGTERM (it stayed, tracing, for over a minute), and it exits once that command has.
     */
    @Override
    public void close() {
        if (wrapped) {
            application().forEach(ProcessHandle::destroy);
            try {
                process.waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        ChildJvm.stop(process, 30);
    }

    /** The application when it runs under a wrapper, which is then its parent; nothing otherwise. */
    private java.util.stream.Stream<ProcessHandle> application() {
        return wrapped ? process.toHandle().children() : java.util.stream.Stream.empty();
    }

}
