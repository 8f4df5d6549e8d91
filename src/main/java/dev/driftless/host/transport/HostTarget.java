package dev.driftless.host.transport;

import java.nio.file.Path;

/** A parsed {@code driftless.hosts.<name>.target}. */
public sealed interface HostTarget {

    /** A host that is a directory on this machine; {@code local:/} is this machine itself. */
    record Local(Path root) implements HostTarget {}

    /**
     * A host reached over SSH, as {@code nixos-rebuild --target-host} does. The user and host are
     * checked by {@link #parse}: nothing in them can reach ssh as an option or as shell syntax.
     */
    record Ssh(String user, String host, int port) implements HostTarget {

        /** {@code user@host} as ssh takes it: an IPv6 address bare, since ssh would resolve the brackets as a name. */
        public String destination() {
            return user + "@" + host;
        }

        /** {@code user@host} for a URL such as Nix's {@code ssh-ng://} store: an IPv6 address in brackets. */
        public String authority() {
            return user + "@" + (host.contains(":") ? "[" + host + "]" : host);
        }
    }

    /**
     * Parses a target, or says what is wrong with it. The message never holds a password that the
     * target had: the target is shown with it masked.
     */
    static HostTarget parse(String target) {
        if (target.startsWith("ssh://")) {
            return SshTargetSyntax.parse(target);
        }
        if (target.startsWith("local:")) {
            String dir = target.substring("local:".length());
            if (dir.isBlank() || !dir.startsWith("/")) {
                throw new IllegalArgumentException("target '" + target + "' needs an absolute directory, such as local:/ for this machine");
            }
            return new Local(Path.of(dir));
        }
        throw new IllegalArgumentException("target '" + SshTargetSyntax.masked(target) + "' is neither local:<root-dir> nor " + SshTargetSyntax.FORM);
    }
}
