package dev.driftless.nix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.driftless.exec.ProcessResult;
import dev.driftless.exec.ProcessRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NixSettingsTest {

    private static final Map<String, String> NIX = Map.of("NIX_CONFIG", NixSettings.nixConfig(null, List.of()));

    @Test
    void userOptionsComeLastSoTheyWinOverTheInheritedConfig() {
        String config = NixSettings.nixConfig("substituters = https://a\n", List.of(" substituters ="));
        assertTrue(config.startsWith("substituters = https://a\n"), config);
        assertTrue(config.endsWith("\nsubstituters ="), config);
    }

    @Test
    void anEvaluationsCollectorKeepsHalfItsHeapFreeUnlessDriftlessWasToldOtherwise() {
        Map<String, String> env = Map.of("NIX_CONFIG", "sandbox = true\n");
        assertEquals(Map.of("NIX_CONFIG", "sandbox = true\n", "GC_FREE_SPACE_DIVISOR", "2"), NixSettings.evalEnv(env, null));
        assertEquals(env, NixSettings.evalEnv(env, "3"), "the operator's divisor, inherited as it is");
    }

    @Test
    void flakesAreOnEvenWithoutAnInheritedConfig() {
        assertTrue(NixSettings.nixConfig(null, List.of()).startsWith("extra-experimental-features = nix-command flakes\n"));
    }

    @Test
    void thePublicKeyIsWhatNixItselfDerivesFromTheSecretKey(@TempDir Path dir) throws Exception {
        for (String name : List.of("bench-1", "driftless-host.example-1")) {
            ProcessResult generated = ProcessRunner.run(List.of("nix", "key", "generate-secret", "--key-name", name), NIX,
                    Duration.ofSeconds(30));
            assertTrue(generated.ok(), generated.explain());
            Path secret = dir.resolve(name + ".sec");
            Files.writeString(secret, generated.stdout());
            ProcessResult converted = ProcessRunner.run(
                    List.of("sh", "-c", "nix key convert-secret-to-public < \"$1\"", "sh", secret.toString()), NIX,
                    Duration.ofSeconds(30));
            assertTrue(converted.ok(), converted.explain());
            assertEquals(converted.stdout().strip(), NixSettings.publicKey(secret));
        }
    }

    @Test
    void aFileThatIsNotASecretKeyIsRefusedWithoutQuotingIt(@TempDir Path dir) throws Exception {
        for (String content : List.of("hunter2-no-colon", "name:aHVudGVyMg==", "name:%%%not-base64", ":")) {
            Path file = dir.resolve("key.sec");
            Files.writeString(file, content);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> NixSettings.publicKey(file));
            assertTrue(e.getMessage().contains("not a Nix secret key"), e.getMessage());
            assertFalse(e.getMessage().contains(content.substring(content.indexOf(':') + 1)) && content.length() > 1, e.getMessage());
        }
        IllegalStateException missing = assertThrows(IllegalStateException.class, () -> NixSettings.publicKey(dir.resolve("none")));
        assertTrue(missing.getMessage().endsWith("no such file"), missing.getMessage());
    }
}
