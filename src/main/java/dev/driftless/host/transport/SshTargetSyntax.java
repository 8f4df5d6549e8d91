package dev.driftless.host.transport;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What an {@code ssh://} target may hold. Everything in it ends up on ssh's and Nix's command
 * lines, so only a safe set of characters gets through, checked part by part.
 */
final class SshTargetSyntax {

    static final String FORM = "ssh://user@host:port";
    /**
     * User names as useradd and NixOS take them. A leading dash would make ssh read the user as an
     * option; anything outside this set (quotes, spaces, %-escapes, '@', ':') has no place in one.
     */
    private static final Pattern USER = Pattern.compile("[A-Za-z0-9._][A-Za-z0-9._-]*");
    /** Host names and IPv4 addresses, with the same reasons as {@link #USER}. */
    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9._][A-Za-z0-9._-]*");
    /** An IPv6 literal, which a URL writes in brackets; zone ids are left out of the safe set. */
    private static final Pattern IPV6 = Pattern.compile("\\[([0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*)]");
    private static final Pattern PORT = Pattern.compile("[0-9]{1,5}");
    /** {@code host}, {@code host:port}, {@code [v6]} or {@code [v6]:port}; each part checked on its own. */
    private static final Pattern HOST_PORT = Pattern.compile("(\\[[^]]*]|[^:\\[\\]]*)(?::([^:]*))?");

    /**
     * Parsed by hand rather than with {@link java.net.URI}: URI decodes %-escapes in the user
     * ({@code %2D} is a leading '-') and takes host names that ssh would read as options.
     */
    static HostTarget.Ssh parse(String target) {
        String shown = masked(target);
        String rest = target.substring("ssh://".length());
        String user = "root";
        int at = rest.lastIndexOf('@');
        if (at >= 0) {
            user = rest.substring(0, at);
            rest = rest.substring(at + 1);
            if (user.indexOf(':') >= 0) {
                throw new IllegalArgumentException("target '" + shown + "' holds a password; Driftless logs in with a key "
                        + "(driftless.ssh.private-key-file) and never with a password: remove ':' and what follows it from the user");
            }
            if (!USER.matcher(user).matches()) {
                throw new IllegalArgumentException("target '" + shown + "': user '" + user + "' is not a user name (letters, digits, "
                        + "'.', '_' and '-', not starting with '-')");
            }
        }
        if (rest.indexOf('/') >= 0 || rest.indexOf('?') >= 0 || rest.indexOf('#') >= 0) {
            throw new IllegalArgumentException("target '" + shown + "' must look like " + FORM + ", without a path");
        }
        Matcher hostPort = HOST_PORT.matcher(rest);
        if (!hostPort.matches()) {
            throw new IllegalArgumentException("target '" + shown + "' must look like " + FORM + "; an IPv6 address goes in brackets");
        }
        String host = hostPort.group(1);
        Matcher v6 = IPV6.matcher(host);
        if (v6.matches()) {
            host = v6.group(1);
        } else if (!HOST.matcher(host).matches()) {
            throw new IllegalArgumentException("target '" + shown + "': host '" + host + "' is not a host name or address (letters, "
                    + "digits, '.', '_' and '-', not starting with '-'; an IPv6 address in brackets)");
        }
        int port = 22;
        if (hostPort.group(2) != null) {
            String digits = hostPort.group(2);
            port = PORT.matcher(digits).matches() ? Integer.parseInt(digits) : 0;
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("target '" + shown + "': port '" + digits + "' is not a number from 1 to 65535");
            }
        }
        return new HostTarget.Ssh(user, host, port);
    }

    /** The target with the password of {@code ssh://user:password@host}, if any, replaced by {@code ***}. */
    static String masked(String target) {
        int scheme = target.indexOf("://");
        int at = target.lastIndexOf('@');
        if (scheme < 0 || at < scheme) {
            return target;
        }
        int colon = target.indexOf(':', scheme + 3);
        return colon >= 0 && colon < at ? target.substring(0, colon) + ":***" + target.substring(at) : target;
    }

    private SshTargetSyntax() {}
}
