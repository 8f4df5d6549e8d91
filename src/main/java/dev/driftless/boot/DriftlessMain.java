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
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        if (Boolean.getBoolean(StartupClasses.DUMP)) {
            StartupClasses.link(loader, StartupClasses.names(loader));
            return;
        }
        StartupClasses.preloadInBackground(loader);
        LibraryWarmup.inBackground(loader);
        Quarkus.run(args);
    }
}
