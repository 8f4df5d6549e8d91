package dev.driftless.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;

/**
 * A real fleet whose API also takes OIDC access tokens. Quarkus OIDC verifies them with the
 * issuer's public key given locally ({@code quarkus.oidc.public-key}), as it would with keys
 * fetched from an issuer; the test mints RS256 tokens with the matching private key.
 */
public class OidcFleetResource implements QuarkusTestResourceLifecycleManager {

    public static final String ISSUER = "https://issuer.driftless.test";
    public static final String STATIC_TOKEN = "static-" + java.util.UUID.randomUUID();
    private static final KeyPair ISSUER_KEY = rsa();
    private static FleetFixture fixture;

    @Override
    public Map<String, String> start() {
        fixture = new FleetFixture();
        Map<String, String> config = new HashMap<>(fixture.config());
        config.put("driftless.api.token", STATIC_TOKEN);
        config.put("quarkus.oidc.tenant-enabled", "true");
        config.put("quarkus.oidc.public-key", Base64.getEncoder().encodeToString(ISSUER_KEY.getPublic().getEncoded()));
        config.put("quarkus.oidc.token.issuer", ISSUER);
        return config;
    }

    /** An access token from the issuer, or, with {@code forged}, one signed by a key the issuer never had. */
    public static String token(String subject, Instant expires, boolean forged) {
        String header = b64("{\"alg\":\"RS256\",\"typ\":\"JWT\"}");
        String claims = b64("{\"iss\":\"" + ISSUER + "\",\"sub\":\"" + subject + "\",\"preferred_username\":\"" + subject
                + "\",\"iat\":" + Instant.now().minusSeconds(60).getEpochSecond() + ",\"exp\":" + expires.getEpochSecond() + "}");
        try {
            Signature rs256 = Signature.getInstance("SHA256withRSA");
            rs256.initSign(forged ? rsa().getPrivate() : ISSUER_KEY.getPrivate());
            rs256.update((header + "." + claims).getBytes(StandardCharsets.US_ASCII));
            return header + "." + claims + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(rs256.sign());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String b64(String json) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }

    private static KeyPair rsa() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void stop() {
        if (fixture != null) {
            fixture.close();
        }
    }
}
