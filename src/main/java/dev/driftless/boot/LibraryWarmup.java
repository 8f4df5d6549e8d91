package dev.driftless.boot;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Runs, on a background thread at start-up, the library set-up that the main thread would
 * otherwise do alone a few hundred milliseconds later: jose4j's list of algorithms (the OIDC
 * extension asks for it while Quarkus initializes, ~100 ms of JCA look-ups) and Jackson's JSON
 * and YAML readers (the OpenAPI document and the first API answers). Each is a library's own
 * self-contained initialization, touching no Quarkus or Driftless state: when the main thread
 * gets there it finds the work done, or waits for the class being initialized. A library that
 * is missing or fails here is left to fail, or not, where the application uses it.
 */
final class LibraryWarmup {

    private LibraryWarmup() {
    }

    static void inBackground(ClassLoader loader) {
        Thread thread = new Thread(() -> run(loader), "library-warmup");
        thread.setDaemon(true);
        thread.start();
    }

    static void run(ClassLoader loader) {
        quietly(() -> org.jose4j.jwa.AlgorithmFactoryFactory.getInstance());
        quietly(() -> new ObjectMapper().readTree("{\"warm\": [1, \"a\", {\"b\": true}]}"));
        quietly(() -> {
            Class<?> yaml = Class.forName("com.fasterxml.jackson.dataformat.yaml.YAMLFactory", true, loader);
            return new ObjectMapper((JsonFactory) yaml.getConstructor().newInstance()).readTree("warm:\n  - 1\n  - b: true\n");
        });
    }

    private interface Work {
        Object run() throws Exception;
    }

    private static void quietly(Work work) {
        try {
            work.run();
        } catch (Exception | LinkageError e) {
            // The application meets the same library later and reports what it needs to.
        }
    }
}
