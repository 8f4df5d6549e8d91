package dev.driftless.boot;

import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;

/**
 * The server's entry point: Quarkus, with the classes a start-up needs loaded on a second
 * thread while the main thread builds the configuration and the beans (see {@link StartupClasses}).
 * The CLI has its own main ({@code dev.driftless.cli.Cli}) and starts no server.
 */
@QuarkusMain
public final class DriftlessMain {

    private DriftlessMain() {
    }

    public static void main(String... args) {
        StartupClasses.preloadInBackground(Thread.currentThread().getContextClassLoader());
        Quarkus.run(args);
    }
}
