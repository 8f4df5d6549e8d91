package dev.driftless.job;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Which hosts a commit most likely changes, guessed from the paths it touches: a host's files
 * are usually named for it ({@code hosts/web1.nix}, {@code hosts/web1/default.nix},
 * {@code machines/db1/hardware.nix}). Only an order: those hosts are evaluated first, so that
 * their builds start while the rest of a large fleet is still evaluated. What changes is still
 * decided by every host's evaluated drvPath, so a wrong guess costs nothing but the head start.
 */
final class FirstHosts {

    /** A commit that touches more files than this changes too much for an order to matter. */
    static final int MOST = 100;

    private FirstHosts() {}

    /** Each path's directories and file name (without {@code .nix}), in the order met, at most {@link #MOST}. */
    static List<String> guess(List<String> paths) {
        Set<String> names = new LinkedHashSet<>();
        for (String path : paths) {
            for (String part : path.split("/")) {
                String name = part.endsWith(".nix") ? part.substring(0, part.length() - 4) : part;
                if (!name.isEmpty() && names.size() < MOST) {
                    names.add(name);
                }
            }
        }
        return List.copyOf(names);
    }
}
