package dev.driftless.source.webhook;

import java.util.Locale;

/**
 * Decides whether two ways of writing a repository's address name the same repository:
 * {@code https://host/org/fleet.git}, {@code git@host:org/fleet.git} and
 * {@code ssh://git@host:22/org/fleet} all become {@code host/org/fleet}.
 */
final class RepositoryUrls {

    private RepositoryUrls() {}

    static boolean same(String a, String b) {
        return a != null && b != null && canonical(a).equals(canonical(b));
    }

    static String canonical(String url) {
        String s = url.trim().toLowerCase(Locale.ROOT);
        int scheme = s.indexOf("://");
        if (scheme >= 0) {
            s = s.substring(scheme + 3);
        } else if (s.matches("^[^/@]+@[^/:]+:.*")) {
            s = s.replaceFirst(":", "/"); // scp-like git@host:org/repo
        }
        int at = s.indexOf('@');
        int slash = s.indexOf('/');
        if (at >= 0 && (slash < 0 || at < slash)) {
            s = s.substring(at + 1); // user or token before the host
        }
        s = s.replaceFirst("^([^/:]+):\\d+/", "$1/"); // port
        while (s.endsWith("/")) {
            s = s.substring(0, s.length() - 1);
        }
        if (s.endsWith(".git")) {
            s = s.substring(0, s.length() - 4);
        }
        return s;
    }
}
