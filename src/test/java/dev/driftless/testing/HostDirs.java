package dev.driftless.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads a host's state straight from its files, without going through Driftless. */
final class HostDirs {

    private static final Pattern GENERATION = Pattern.compile("system-(\\d+)-link");

    private HostDirs() {}

    /** Where {@code <root>/run/current-system} points, or null when it is not there. */
    static String currentSystem(Path root) {
        Path link = root.resolve("run/current-system");
        try {
            return Files.isSymbolicLink(link) ? Files.readSymbolicLink(link).toString() : null;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every {@code system-N-link} under the profile directory, as {@code N -> target}. */
    static java.util.SortedMap<Integer, String> generations(Path root) {
        java.util.SortedMap<Integer, String> out = new java.util.TreeMap<>();
        Path dir = root.resolve("nix/var/nix/profiles");
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (var links = Files.list(dir)) {
            for (Path link : (Iterable<Path>) links::iterator) {
                Matcher m = GENERATION.matcher(link.getFileName().toString());
                if (m.matches()) {
                    out.put(Integer.parseInt(m.group(1)), Files.readSymbolicLink(link).toString());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /** The number of the generation {@code <root>/nix/var/nix/profiles/system} points at; 0 for none. */
    static int generation(Path root) {
        Path profile = root.resolve("nix/var/nix/profiles/system");
        try {
            if (!Files.isSymbolicLink(profile)) {
                return 0;
            }
            Matcher m = GENERATION.matcher(Files.readSymbolicLink(profile).toString());
            return m.matches() ? Integer.parseInt(m.group(1)) : -1;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
