package dev.driftless.boot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The archive the build writes beside the jar (pom.xml, class-data-archive) is one this JVM can map
 * for that jar, and it holds Driftless's own start-up classes, not only the JDK's. With
 * {@code -Xshare:on} the JVM refuses to start when the archive does not fit the jar; config/jvm.options
 * leaves the default, which starts without it.
 */
class ClassDataArchiveIT {

    @Test
    void theBuildsArchiveMapsForItsJarAndHoldsDriftlessClasses() throws IOException, InterruptedException {
        Path jar = Path.of(System.getProperty("driftless.runner.jar", "target/quarkus-app/quarkus-run.jar")).toAbsolutePath();
        Path archive = jar.resolveSibling("driftless.jsa");
        assertTrue(Files.isRegularFile(archive), "the build wrote no class-data archive at " + archive);
        Path log = Files.createTempFile("class-load", ".log");
        try {
            // Without driftless.git.url the configuration fails after the first Driftless classes load.
            Process java = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xshare:on", "-XX:SharedArchiveFile=" + archive, "-Xlog:class+load=info:file=" + log,
                    "-Ddriftless.startup.preload=false", "-jar", jar.toString())
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            assertTrue(java.waitFor(60, TimeUnit.SECONDS), "the JVM did not exit");
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            assertTrue(lines.stream().anyMatch(l -> l.contains("dev.driftless.boot.DriftlessMain source: shared objects file")),
                    "DriftlessMain was not mapped from the archive (exit " + java.exitValue() + ")");
            long shared = lines.stream().filter(l -> l.contains("source: shared objects file (top)")).count();
            assertTrue(shared > 1000, "only " + shared + " classes came from the application's archive");
            assertEquals(1, java.exitValue(), "expected the start to stop at the missing driftless.git.url");
        } finally {
            Files.deleteIfExists(log);
        }
    }
}
