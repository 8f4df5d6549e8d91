package dev.driftless.boot;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Loads, on a background thread, the classes a start-up is about to need, in the order it
 * needs them. Start-up is mostly class loading on one thread (about 8,700 classes: Quarkus's
 * configuration and beans, Flyway and H2, JGit, Vert.x, OIDC), so a second core that reads and
 * defines them ahead of the main thread takes about a second off the time to ready on a
 * 2-core machine (measured by bench/local-fleet.sh; the list is the JDK's class-list idea).
 *
 * <p>Classes are loaded, never initialized: no static initializer runs on this thread, so
 * the order in which the application's code runs is unchanged. A name that is missing (a
 * dependency changed since {@code scripts/startup-classes.sh} wrote the list) is skipped. Set
 * {@code -Ddriftless.startup.preload=false} (or {@code DRIFTLESS_STARTUP_PRELOAD=false}) to turn it off.
 */
public final class StartupClasses {

    /** The list written by {@code scripts/startup-classes.sh}: class names in the order a start-up loads them. */
    public static final String RESOURCE = "META-INF/driftless/startup-classes.txt";
    public static final String SWITCH = "driftless.startup.preload";
    /**
     * Set by the build (pom.xml, class-data-archive) while the JVM writes its class-data archive: the
     * main loads the listed classes and returns, starting nothing, so that the archive holds them.
     */
    public static final String DUMP = "driftless.startup.archive";

    private StartupClasses() {
    }

    /** Starts the daemon thread that loads the listed classes through {@code loader}, unless switched off. */
    static void preloadInBackground(ClassLoader loader) {
        String setting = System.getProperty(SWITCH, System.getenv().getOrDefault("DRIFTLESS_STARTUP_PRELOAD", "true"));
        if (!Boolean.parseBoolean(setting.strip())) {
            return;
        }
        Thread thread = new Thread(() -> preload(loader, names(loader)), "class-preload");
        thread.setDaemon(true);
        thread.start();
    }

    /** Loads each class without initializing it; returns how many were found. */
    public static int preload(ClassLoader loader, List<String> names) {
        int loaded = 0;
        for (String name : names) {
            try {
                Class.forName(name, false, loader);
                loaded++;
            } catch (ClassNotFoundException | LinkageError e) {
                // Not on this class path (another version of a dependency): the main thread will do without it.
            }
        }
        return loaded;
    }

    /**
     * Loads and links each class, still without initializing it, for the class-data archive: the JVM
     * archives only linked classes, and asking for a class's constructors links it.
     */
    static void link(ClassLoader loader, List<String> names) {
        for (String name : names) {
            try {
                Class.forName(name, false, loader).getDeclaredConstructors();
            } catch (ClassNotFoundException | LinkageError | SecurityException e) {
                // Left out of the archive: a start-up loads it as it would without one.
            }
        }
    }

    /** The names in the list, without comments; none when the list is missing. */
    public static List<String> names(ClassLoader loader) {
        List<String> names = new ArrayList<>();
        try (InputStream in = loader.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                return names;
            }
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                if (!line.isBlank() && !line.startsWith("#")) {
                    names.add(line.strip());
                }
            }
        } catch (IOException e) {
            // A start-up without the list is only slower.
        }
        return names;
    }
}
