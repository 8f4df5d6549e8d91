package dev.driftless.host.transport;

import java.nio.file.Path;

/** A parsed {@code driftless.hosts.<name>.target}. */
public sealed interface HostTarget {

    /** A host that is a directory on this machine; {@code local:/} is this machine itself. */
    record Local(Path root) implements HostTarget {}

    static HostTarget parse(String target) {
        if (target.startsWith("local:")) {
            String dir = target.substring("local:".length());
            if (dir.isBlank() || !dir.startsWith("/")) {
                throw new IllegalArgumentException("target '" + target + "' needs an absolute directory, such as local:/ for this machine");
            }
            return new Local(Path.of(dir));
        }
        throw new IllegalArgumentException("target '" + target + "' is not supported; this version deploys to local:<root-dir> targets");
    }
}
