package dev.driftless.source.webhook;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** HMAC-SHA256 over the raw body and comparisons that take the same time whatever they compare. */
final class Signatures {

    private Signatures() {}

    static String hmacSha256Hex(String secret, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(body));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }

    /** True when {@code given} is the hex HMAC of {@code body}; case-insensitive hex, constant time. */
    static boolean hmacMatches(String secret, byte[] body, String given) {
        if (given == null) {
            return false;
        }
        return constantTimeEquals(hmacSha256Hex(secret, body), given.trim().toLowerCase(java.util.Locale.ROOT));
    }

    /** The same for {@code sha256=<hex>}, as GitHub and the generic receiver send it. */
    static boolean prefixedHmacMatches(String secret, byte[] body, String given) {
        return given != null && given.startsWith("sha256=") && hmacMatches(secret, body, given.substring(7));
    }

    static boolean constantTimeEquals(String expected, String given) {
        if (given == null) {
            return false;
        }
        return MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8), given.getBytes(StandardCharsets.UTF_8));
    }
}
