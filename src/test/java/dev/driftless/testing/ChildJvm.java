package dev.driftless.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** What a test needs to start and stop another JVM that listens: this JVM's java, a free port, a clean stop. */
final class ChildJvm {

    private ChildJvm() {}

    static String javaBin() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /**
     * This JVM's java with the options every JVM a test starts gets: {@code driftless.it.jvm-options}
     * (space-separated), by default {@code -XX:TieredStopAtLevel=1}. The processes tests start live for
     * seconds, not hours: with the C1 compiler alone a Driftless start costs about half the CPU time,
     * which on a two-core machine running several of them at once is what the tests wait for. Pass
     * {@code -Ddriftless.it.jvm-options=} to run them as a production JVM would.
     */
    static java.util.List<String> java() {
        java.util.List<String> command = new java.util.ArrayList<>();
        command.add(javaBin());
        for (String option : System.getProperty("driftless.it.jvm-options", "-XX:TieredStopAtLevel=1").trim().split("\\s+")) {
            if (!option.isEmpty()) {
                command.add(option);
            }
        }
        return command;
    }

    /** SIGTERM, as a service manager would stop it; SIGKILL if it has not gone within {@code seconds}. */
    static void stop(Process process, int seconds) {
        process.destroy();
        try {
            if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
