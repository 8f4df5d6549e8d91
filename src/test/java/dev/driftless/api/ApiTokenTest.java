package dev.driftless.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The API token from configuration or its file: never short, never empty, never readable by others. */
class ApiTokenTest {

    private static final String GOOD = "0123456789abcdefghijklmnopqrstuvwxyz";

    @TempDir
    Path dir;

    @Test
    void aMissingFileIsGeneratedOwnerOnlyWithALongTokenAndNoTemporaryFileLeftBehind() throws IOException {
        Path file = dir.resolve("data").resolve("api-token");
        ApiToken token = new ApiToken(Optional.empty(), file);

        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        String written = Files.readString(file).strip();
        assertTrue(written.length() >= ApiToken.MIN_LENGTH, "a generated token has " + written.length() + " characters");
        assertTrue(token.matches(written));
        try (Stream<Path> files = Files.list(file.getParent())) {
            assertEquals(1, files.count(), "only the token file is left in the directory");
        }
        assertTrue(new ApiToken(Optional.empty(), file).matches(written), "a second start reads the same token");
    }

    @Test
    void anEmptyTokenFileStopsTheStartInsteadOfOpeningTheApiToAnEmptyBearer() throws IOException {
        Path file = ownerOnly("");
        IllegalStateException refused = assertThrows(IllegalStateException.class, () -> new ApiToken(Optional.empty(), file));
        assertTrue(refused.getMessage().contains("is empty") && refused.getMessage().contains(file.toString()), refused.getMessage());
    }

    @Test
    void aShortTokenInTheFileStopsTheStartWithoutShowingTheToken() throws IOException {
        Path file = ownerOnly("hunter2-but-longer\n");
        IllegalStateException refused = assertThrows(IllegalStateException.class, () -> new ApiToken(Optional.empty(), file));
        assertTrue(refused.getMessage().contains("18 characters") && refused.getMessage().contains("at least 32"), refused.getMessage());
        assertFalse(refused.getMessage().contains("hunter2"), "the token itself is never shown");
    }

    @Test
    void aShortConfiguredTokenStopsTheStartWithoutShowingTheToken() {
        IllegalStateException refused = assertThrows(IllegalStateException.class,
                () -> new ApiToken(Optional.of("short-secret"), dir.resolve("api-token")));
        assertTrue(refused.getMessage().contains("driftless.api.token") && refused.getMessage().contains("at least 32"), refused.getMessage());
        assertFalse(refused.getMessage().contains("short-secret"), "the token itself is never shown");
    }

    @Test
    void aTokenFileThatOthersCanReadStopsTheStartAndSaysHowToFixIt() throws IOException {
        for (String permissions : new String[] {"rw-r-----", "rw----r--", "rw--w----", "rw-------"}) {
            Path file = dir.resolve("token-" + permissions);
            Files.writeString(file, GOOD);
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(permissions));
            if (permissions.equals("rw-------")) {
                assertTrue(new ApiToken(Optional.empty(), file).matches(GOOD), "owner-only is fine");
                continue;
            }
            IllegalStateException refused = assertThrows(IllegalStateException.class, () -> new ApiToken(Optional.empty(), file), permissions);
            assertTrue(refused.getMessage().contains("chmod 600 " + file), refused.getMessage());
        }
    }

    @Test
    void aConfiguredTokenWinsOverTheFileAndOnlyTheExactTokenMatches() {
        ApiToken token = new ApiToken(Optional.of(" " + GOOD + "\n"), dir.resolve("never-written"));
        assertTrue(token.matches(GOOD));
        assertFalse(token.matches(GOOD.substring(1)));
        assertFalse(token.matches(""));
        assertFalse(token.matches(null));
        assertFalse(Files.exists(dir.resolve("never-written")), "no file is generated when a token is configured");
    }

    private Path ownerOnly(String content) throws IOException {
        Path file = dir.resolve("api-token");
        Files.writeString(file, content);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        return file;
    }
}
