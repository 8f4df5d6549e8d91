package dev.driftless.secret;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Takes credentials out of text that Driftless shows: log lines, errors, commit records, events,
 * notifications and API answers, including what JGit and nix say.
 *
 * <p>The rule for URLs, in any text, of any scheme ({@code scheme://userinfo@host}): the user
 * information becomes {@code ***}. Only ssh-like schemes ({@code ssh}, {@code ssh-ng},
 * {@code git+ssh}, {@code sftp}) keep a user name that comes without a password, since there it
 * names an account ({@code ssh://root@host}) and the key is elsewhere; a password after it is
 * masked ({@code ssh://root:***@host}). For http(s) and every other scheme a bare user info is how
 * a token is given ({@code https://<token>@host}), so all of it goes.
 *
 * <p>Text without {@code scheme://} is left as it is: {@code git@github.com:org/fleet.git} and
 * e-mail addresses in commit messages name no secret, and masking them would garble what people
 * need to read.
 *
 * <p>Secret values Driftless knows (the git URL's credentials, the token from its file) are
 * also masked wherever they appear verbatim, as given and percent-decoded, since tools print
 * them in forms of their own.
 */
public final class Redaction {

    public static final String MASK = "***";

    /**
     * Shorter values are not tokens: masking every "git" or "admin" in a message would garble it.
     * Inside URLs they are masked anyway, by the rule above.
     */
    static final int SHORTEST_SECRET = 6;

    /**
     * {@code scheme://} and then the user info up to the last {@code @} before the host: no
     * whitespace, path, query, fragment or characters that never occur in a URL in between.
     */
    private static final Pattern USER_INFO = Pattern.compile(
            "(?<scheme>[A-Za-z][A-Za-z0-9+.\\-]*)://(?<userinfo>[^\\s/?#\"<>`\\\\]*)@");

    private static final Set<String> SSH_LIKE = Set.of("ssh", "ssh-ng", "git+ssh", "ssh+git", "sftp");

    /** Secret values registered by this process; it only grows, since a secret once known stays one. */
    private static final Set<String> KNOWN = ConcurrentHashMap.newKeySet();

    private Redaction() {}

    /** {@code text} with URL credentials and every secret this process knows masked; null stays null. */
    public static String redact(String text) {
        return redact(text, KNOWN);
    }

    /** {@code text} with URL credentials and each of {@code secrets} masked. */
    public static String redact(String text, Collection<String> secrets) {
        if (text == null || text.isEmpty()) {
            return text;
        }
        String masked = text;
        // Longest first, so that a secret that contains another is masked whole.
        List<String> ordered = new ArrayList<>(secrets);
        ordered.sort(Comparator.comparingInt(String::length).reversed());
        for (String secret : ordered) {
            if (secret.length() >= SHORTEST_SECRET) {
                masked = masked.replace(secret, MASK);
            }
        }
        if (!masked.contains("://")) {
            // No URL, so no credentials in one: the pattern would try every letter as the start of a
            // scheme (a store path's hash is 32 of them), the most of what a 10,000-host list cost.
            return masked;
        }
        Matcher m = USER_INFO.matcher(masked);
        StringBuilder out = new StringBuilder(masked.length());
        while (m.find()) {
            String kept = keptUserInfo(m.group("scheme"), m.group("userinfo"));
            m.appendReplacement(out, Matcher.quoteReplacement(m.group("scheme") + "://" + kept + "@"));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static String keptUserInfo(String scheme, String userInfo) {
        if (userInfo.isEmpty()) {
            return userInfo;
        }
        if (SSH_LIKE.contains(scheme.toLowerCase(Locale.ROOT))) {
            int colon = userInfo.indexOf(':');
            return colon < 0 ? userInfo : userInfo.substring(0, colon + 1) + MASK;
        }
        return MASK;
    }

    /**
     * The secrets in a URL's user info, by the rule above: the password, or for schemes other than
     * ssh-like ones a bare user info, each as written and percent-decoded. Empty for a URL without
     * credentials, such as {@code ssh://git@host} or {@code file:///srv/fleet}.
     */
    public static List<String> secretsIn(String url) {
        if (url == null) {
            return List.of();
        }
        Matcher m = USER_INFO.matcher(url);
        if (!m.lookingAt()) {
            return List.of();
        }
        String userInfo = m.group("userinfo");
        int colon = userInfo.indexOf(':');
        boolean sshLike = SSH_LIKE.contains(m.group("scheme").toLowerCase(Locale.ROOT));
        String secret = colon >= 0 ? userInfo.substring(colon + 1) : sshLike ? "" : userInfo;
        if (secret.isEmpty()) {
            return List.of();
        }
        Set<String> forms = new LinkedHashSet<>(List.of(secret, percentDecoded(secret)));
        return List.copyOf(forms);
    }

    /** Masks {@code secret}, as written and percent-decoded, in everything redacted from now on. */
    public static void register(String secret) {
        if (secret == null) {
            return;
        }
        String value = secret.strip();
        if (value.length() >= SHORTEST_SECRET) {
            KNOWN.add(value);
            KNOWN.add(percentDecoded(value));
        }
    }

    /** Masks the credentials in {@code url}'s user info in everything redacted from now on. */
    public static void registerUrl(String url) {
        secretsIn(url).forEach(Redaction::register);
    }

    /** {@code %XX} sequences decoded as UTF-8; unlike URLDecoder, a {@code +} stays a {@code +}. */
    static String percentDecoded(String text) {
        if (text.indexOf('%') < 0) {
            return text;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (int i = 0; i < text.length(); ) {
            if (text.charAt(i) == '%' && i + 2 < text.length()
                    && Character.digit(text.charAt(i + 1), 16) >= 0 && Character.digit(text.charAt(i + 2), 16) >= 0) {
                bytes.write(Integer.parseInt(text.substring(i + 1, i + 3), 16));
                i += 3;
            } else {
                int codePoint = text.codePointAt(i);
                bytes.writeBytes(new String(Character.toChars(codePoint)).getBytes(StandardCharsets.UTF_8));
                i += Character.charCount(codePoint);
            }
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
