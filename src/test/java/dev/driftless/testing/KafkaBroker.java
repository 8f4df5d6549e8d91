package dev.driftless.testing;

import static org.awaitility.Awaitility.await;

import dev.driftless.exec.ProcessResult;
import dev.driftless.exec.ProcessRunner;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A real Apache Kafka broker in KRaft combined mode on loopback, run in its own JVM from the
 * Maven Central artifacts that the build resolved into {@code target/kafka-broker.classpath}.
 * It keeps its data directory across {@link #restart()}, as a broker restarted by an operator would.
 */
public final class KafkaBroker implements AutoCloseable {

    private final Path dir;
    private final String classpath;
    private final int port;
    private final int controllerPort;
    private Process process;

    private KafkaBroker(Path dir, String classpath, int port, int controllerPort) {
        this.dir = dir;
        this.classpath = classpath;
        this.port = port;
        this.controllerPort = controllerPort;
    }

    public static KafkaBroker start(String name) {
        Path classpathFile = Path.of(System.getProperty("driftless.kafka.classpath", "target/kafka-broker.classpath"));
        try {
            String classpath = Files.readString(classpathFile).trim();
            Path dir = Files.createDirectories(Path.of("target", "kafka", name + "-" + UUID.randomUUID().toString().substring(0, 8)));
            KafkaBroker broker = new KafkaBroker(dir.toAbsolutePath(), classpath, ChildJvm.freePort(), ChildJvm.freePort());
            broker.format();
            broker.launch();
            return broker;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start Kafka; run `./mvnw generate-test-resources` to resolve "
                    + classpathFile + ": " + e.getMessage(), e);
        }
    }

    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    public Path dir() {
        return dir;
    }

    /** Stops the broker with SIGTERM and starts it again on the same port and data. */
    public void restart() {
        stop();
        launch();
    }

    public void stop() {
        if (process == null) {
            return;
        }
        ChildJvm.stop(process, 60);
        process = null;
    }

    /** Runs one of Kafka's own command-line tools, such as {@code kafka.tools.ConsoleConsumer}, to completion. */
    public ProcessResult tool(Duration timeout, String mainClass, String... args) {
        List<String> command = new ArrayList<>(ChildJvm.java());
        command.addAll(List.of("-cp", classpath, "-Dlog4j2.configurationFile=" + log4j(), mainClass));
        command.addAll(List.of(args));
        return ProcessRunner.run(command, Map.of(), timeout, dir);
    }

    @Override
    public void close() {
        stop();
    }

    private void format() throws IOException {
        Files.writeString(dir.resolve("server.properties"), String.join("\n",
                "process.roles=broker,controller",
                "node.id=1",
                "controller.quorum.voters=1@127.0.0.1:" + controllerPort,
                "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort,
                "advertised.listeners=PLAINTEXT://127.0.0.1:" + port,
                "controller.listener.names=CONTROLLER",
                "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
                "log.dirs=" + dir.resolve("data"),
                "num.partitions=4",
                "offsets.topic.replication.factor=1",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "share.coordinator.state.topic.replication.factor=1",
                "group.initial.rebalance.delay.ms=0",
                "auto.create.topics.enable=false",
                "log.cleaner.backoff.ms=1000",
                ""));
        Files.writeString(dir.resolve("log4j2.properties"), String.join("\n",
                "rootLogger.level=WARN",
                "rootLogger.appenderRef.out.ref=out",
                "appender.out.type=Console",
                "appender.out.name=out",
                "appender.out.layout.type=PatternLayout",
                "appender.out.layout.pattern=%d{HH:mm:ss.SSS} %-5p [%c{1}] %m%n",
                ""));
        ProcessResult result = tool(Duration.ofSeconds(60), "kafka.tools.StorageTool", "format",
                "-t", UUID.randomUUID().toString(), "-c", dir.resolve("server.properties").toString());
        if (!result.ok()) {
            throw new IllegalStateException("kafka storage format failed: " + result.stdout() + result.stderr());
        }
    }

    private void launch() {
        try {
            List<String> command = new ArrayList<>(ChildJvm.java());
            command.addAll(List.of("-Xmx512m", "-cp", classpath, "-Dlog4j2.configurationFile=" + log4j(),
                    "kafka.Kafka", dir.resolve("server.properties").toString()));
            process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("broker.log").toFile()))
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> {
            if (!process.isAlive()) {
                throw new AssertionError("Kafka exited with " + process.exitValue() + ":\n" + Files.readString(dir.resolve("broker.log")));
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return true;
            } catch (IOException notYet) {
                return false;
            }
        });
    }

    private String log4j() {
        return dir.resolve("log4j2.properties").toString();
    }

}
