package dev.driftless.api;

import dev.driftless.config.DriftlessConfig;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * The bearer token that API calls must carry. Secure by default: with no token configured, one
 * is generated into a file only its owner can read. A token that is short, an empty file, or a
 * file that others can read or write stops the start instead of weakening the API. The token
 * itself is never logged, not even in an error.
 */
@Startup
@ApplicationScoped
public class ApiToken {

    /** 32 characters: even a token of only lower-case letters then holds over 150 bits. */
    public static final int MIN_LENGTH = 32;

    private static final Logger LOG = Logger.getLogger(ApiToken.class);
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> SHARED = EnumSet.of(PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE,
            PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE);

    private final byte[] token;

    @Inject
    ApiToken(DriftlessConfig config) {
        this(config.api().token(), Path.of(config.dataDir(), "api-token"));
    }

    /** {@code configured} wins unless blank; otherwise {@code file}, generated when missing. */
    ApiToken(Optional<String> configured, Path file) {
        String value = configured.filter(t -> !t.isBlank())
                .map(t -> checked(t.strip(), "driftless.api.token", "set a longer one, or unset it to have one generated into " + file))
                .orElseGet(() -> fromFile(file));
        this.token = value.getBytes(StandardCharsets.UTF_8);
    }

    /** Constant-time, so the response time does not tell how much of a guess was right. */
    public boolean matches(String presented) {
        return presented != null && MessageDigest.isEqual(token, presented.strip().getBytes(StandardCharsets.UTF_8));
    }

    private static String fromFile(Path file) {
        try {
            if (!Files.exists(file)) {
                generate(file);
            }
            refuseShared(file);
            return checked(Files.readString(file).strip(), "the API token file " + file,
                    "write a token of at least " + MIN_LENGTH + " characters into it, or delete it to have one generated");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or create the API token file " + file, e);
        }
    }

    /**
     * Writes a temporary file that only its owner can read, then moves it into place in one step,
     * so that a crash or a reader never sees a file that is empty, half written or readable by others.
     */
    private static void generate(Path file) throws IOException {
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        Path dir = Files.createDirectories(file.toAbsolutePath().getParent());
        Path temp = Files.createTempFile(dir, ".api-token-", ".tmp", PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        try {
            Files.writeString(temp, Base64.getUrlEncoder().withoutPadding().encodeToString(random) + "\n");
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(temp);
        }
        LOG.infof("generated an API token in %s (or set driftless.api.token)", file);
    }

    private static void refuseShared(Path file) throws IOException {
        Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
        if (permissions.stream().anyMatch(SHARED::contains)) {
            throw new IllegalStateException("the API token file " + file + " can be read or written by its group or others ("
                    + PosixFilePermissions.toString(permissions) + "); run: chmod 600 " + file);
        }
    }

    private static String checked(String value, String where, String fix) {
        if (value.length() < MIN_LENGTH) {
            String what = value.isEmpty() ? "is empty" : "holds a token of " + value.length() + " characters";
            throw new IllegalStateException(where + " " + what + "; an API token needs at least " + MIN_LENGTH
                    + " characters (for example from: openssl rand -base64 32): " + fix);
        }
        return value;
    }
}
