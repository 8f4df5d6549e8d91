package dev.driftless.host.transport;

import java.nio.file.Path;

/** A parsed {@code driftless.hosts.<name>.target}. */
public sealed interface HostTarget {

    /** A host that is a directory on this machine; {@code local:/} is this machine itself. */
    record Local(Path root) implements HostTarget {}

    /** A host reached over SSH, as {@code nixos-rebuild --target-host} does. */
    record Ssh(String user, String host, int port) implements HostTarget {

        /** {@code user@host}, as ssh and Nix's {@code ssh-ng://} store URLs take it. */
        public String destination() {
            return user + "@" + host;
        }
    }

    static HostTarget parse(String target) {
        if (target.startsWith("ssh://")) {
            java.net.URI uri;
            try {
                uri = java.net.URI.create(target);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("target '" + target + "' is not a valid ssh://user@host:port URL");
            }
            if (uri.getHost() == null || (uri.getPath() != null && !uri.getPath().isEmpty())) {
                throw new IllegalArgumentException("target '" + target + "' must look like ssh://user@host:port");
            }
            return new Ssh(uri.getUserInfo() == null ? "root" : uri.getUserInfo(), uri.getHost(), uri.getPort() < 0 ? 22 : uri.getPort());
        }
        if (target.startsWith("local:")) {
            String dir = target.substring("local:".length());
            if (dir.isBlank() || !dir.startsWith("/")) {
                throw new IllegalArgumentException("target '" + target + "' needs an absolute directory, such as local:/ for this machine");
            }
            return new Local(Path.of(dir));
        }
        throw new IllegalArgumentException("target '" + target + "' is neither local:<root-dir> nor ssh://user@host:port");
    }
}
