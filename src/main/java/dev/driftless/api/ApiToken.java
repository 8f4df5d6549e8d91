package dev.driftless.api;

import dev.driftless.config.DriftlessConfig;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import org.jboss.logging.Logger;

/**
 * The bearer token that mutating API calls must carry. Secure by default: with no token
 * configured, one is generated into a file only its owner can read. The token itself is
 * never logged.
 */
@Startup
@ApplicationScoped
public class ApiToken {

    private static final Logger LOG = Logger.getLogger(ApiToken.class);

    private final byte[] token;

    ApiToken(DriftlessConfig config) {
        String value = config.api().token().filter(t -> !t.isBlank()).orElseGet(() -> fromFile(Path.of(config.dataDir(), "api-token")));
        this.token = value.strip().getBytes(StandardCharsets.UTF_8);
    }

    /** Constant-time, so the response time does not tell how much of a guess was right. */
    public boolean matches(String presented) {
        return presented != null && MessageDigest.isEqual(token, presented.strip().getBytes(StandardCharsets.UTF_8));
    }

    private static String fromFile(Path file) {
        try {
            if (!Files.exists(file)) {
                byte[] random = new byte[32];
                new SecureRandom().nextBytes(random);
                Files.createDirectories(file.getParent());
                Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                Files.writeString(file, Base64.getUrlEncoder().withoutPadding().encodeToString(random) + "\n");
                LOG.infof("generated an API token for mutating calls in %s (or set driftless.api.token)", file);
            }
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or create the API token file " + file, e);
        }
    }
}
