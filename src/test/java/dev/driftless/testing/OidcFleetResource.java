package dev.driftless.testing;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A real fleet whose API also takes OIDC access tokens. Quarkus OIDC verifies them with the
 * issuer's public key given locally ({@code quarkus.oidc.public-key}), as it would with keys
 * fetched from an issuer; the test mints RS256 tokens with the matching private key. Tokens are
 * for {@link #AUDIENCE}, which the API checks. {@link #OPERATORS} may act, {@link #VIEWERS} may
 * read; with the init argument {@code roles=none} no role is configured at all.
 */
public class OidcFleetResource implements QuarkusTestResourceLifecycleManager {

    public static final String ISSUER = "https://issuer.driftless.test";
    public static final String AUDIENCE = "driftless-api";
    public static final String OPERATORS = "fleet-operators";
    public static final String VIEWERS = "fleet-viewers";
    public static final String STATIC_TOKEN = "static-" + java.util.UUID.randomUUID();
    private static final KeyPair ISSUER_KEY = rsa();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static FleetFixture fixture;
    private boolean roles = true;

    @Override
    public void init(Map<String, String> args) {
        roles = !"none".equals(args.get("roles"));
    }

    @Override
    public Map<String, String> start() {
        fixture = new FleetFixture();
        Map<String, String> config = new HashMap<>(fixture.config());
        config.put("driftless.api.token", STATIC_TOKEN);
        config.put("quarkus.oidc.tenant-enabled", "true");
        config.put("quarkus.oidc.public-key", Base64.getEncoder().encodeToString(ISSUER_KEY.getPublic().getEncoded()));
        config.put("quarkus.oidc.token.issuer", ISSUER);
        config.put("quarkus.oidc.token.audience", AUDIENCE);
        if (roles) {
            config.put("driftless.api.oidc.write-roles", OPERATORS);
            config.put("driftless.api.oidc.read-roles", VIEWERS);
        }
        return config;
    }

    /** A token from the issuer for the API, whose {@code groups} claim holds {@code groups}. */
    public static String token(String subject, String... groups) {
        return token(Map.of("sub", subject, "groups", List.of(groups)), false);
    }

    /** An access token from the issuer, or, with {@code forged}, one signed by a key the issuer never had. */
    public static String token(String subject, Instant expires, boolean forged) {
        return token(Map.of("sub", subject, "exp", expires.getEpochSecond(), "groups", List.of(OPERATORS)), forged);
    }

    /**
     * A token with the usual claims (issuer, subject, audience, issued a minute ago, valid for five)
     * changed or completed by {@code claims}; a claim given as the empty string is left out.
     */
    public static String token(Map<String, Object> claims, boolean forged) {
        Map<String, Object> all = new LinkedHashMap<>();
        all.put("iss", ISSUER);
        all.put("sub", "ada");
        all.put("aud", AUDIENCE);
        all.put("iat", Instant.now().minusSeconds(60).getEpochSecond());
        all.put("exp", Instant.now().plusSeconds(300).getEpochSecond());
        all.putAll(claims);
        all.put("preferred_username", all.get("sub"));
        all.values().removeIf(""::equals);
        String header = b64("{\"alg\":\"RS256\",\"typ\":\"JWT\"}");
        try {
            String payload = b64(JSON.writeValueAsString(all));
            Signature rs256 = Signature.getInstance("SHA256withRSA");
            rs256.initSign(forged ? rsa().getPrivate() : ISSUER_KEY.getPrivate());
            rs256.update((header + "." + payload).getBytes(StandardCharsets.US_ASCII));
            return header + "." + payload + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(rs256.sign());
        } catch (GeneralSecurityException | JsonProcessingException e) {
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
