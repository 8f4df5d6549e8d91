package dev.driftless.nix;

import static dev.driftless.testing.Shell.sh;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.driftless.config.DriftlessConfig;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A commit's build after its hosts were built ahead, with the real nix (sandboxed, as Driftless
 * builds): it hands back the out path that Nix has for the derivation, signed with our key, also
 * when the build ahead is still running or its output has been deleted from the store since.
 */
class BuiltAheadTest {

    @TempDir
    Path dir;

    private NixCli nix;
    private NixSettings settings;

    @BeforeEach
    void nix() {
        DriftlessConfig config = new SmallRyeConfigBuilder().withMapping(DriftlessConfig.class)
                .withConverter(Duration.class, 200, new DurationConverter())
                .withSources(new PropertiesConfigSource(Map.of("driftless.git.url", "file:///srv/fleet", "driftless.data-dir", dir.toString(),
                        "driftless.nix.options", "substituters =,extra-sandbox-paths = /bin /usr /lib /lib64"), "test", 500))
                .build().getConfigMapping(DriftlessConfig.class);
        settings = new NixSettings(config);
        nix = new NixCli(settings, config);
    }

    /** A derivation no store has yet: its output names this test run. */
    private String derivation(String name) throws Exception {
        Files.writeString(dir.resolve(name + ".nix"), "derivation { name = \"" + name + "\"; system = builtins.currentSystem;"
                + " builder = \"/bin/sh\"; args = [ \"-c\" \"echo " + System.nanoTime() + " > $out\" ]; }");
        return sh(dir, "nix-instantiate \"$1\" 2>/dev/null", dir.resolve(name + ".nix").toString());
    }

    private void assertOurs(String drv, String out) throws Exception {
        assertEquals(sh(dir, "nix-store -q --outputs \"$1\"", drv), out);
        String keyName = Files.readString(settings.signingKey()).split(":")[0];
        String sigs = sh(dir, "nix path-info --sigs \"$1\"", out);
        assertTrue(sigs.contains(keyName + ":"), "signed by " + keyName + ": " + sigs);
    }

    @Test
    void aHostBuiltAheadIsHandedBackSignedWithTheSameOutPath() throws Exception {
        String drv = derivation("ahead-once");
        nix.realise(java.util.List.of(drv));
        Map<String, String> outs = nix.build(Map.of("h1", drv));
        assertOurs(drv, outs.get("h1"));
    }

    @Test
    void aBuildThatStartsWhileTheBuildAheadRunsGetsItsResult() throws Exception {
        String drv = derivation("ahead-racing");
        CompletableFuture<Void> ahead = CompletableFuture.runAsync(() -> {
            try {
                nix.realise(java.util.List.of(drv));
            } catch (NixFailure e) {
                throw new IllegalStateException(e);
            }
        });
        Map<String, String> outs = nix.build(Map.of("h1", drv));
        ahead.join();
        assertOurs(drv, outs.get("h1"));
    }

    @Test
    void anOutputDeletedSinceItWasBuiltAheadIsBuiltAgain() throws Exception {
        String drv = derivation("ahead-collected");
        nix.realise(java.util.List.of(drv));
        String out = sh(dir, "nix-store -q --outputs \"$1\"", drv);
        sh(dir, "nix store delete \"$1\" 2>&1", out);
        assertEquals("", sh(dir, "nix path-info \"$1\" 2>/dev/null || true", out), "deleted");
        Map<String, String> outs = nix.build(Map.of("h1", drv));
        assertOurs(drv, outs.get("h1"));
    }
}
