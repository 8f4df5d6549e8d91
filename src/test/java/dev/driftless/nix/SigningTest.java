package dev.driftless.nix;

import static dev.driftless.testing.Shell.OFFLINE_NIX;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A commit's closures are signed with Driftless's key when its build hands them over, as the
 * real nix checks signatures: what Nix built with the key, what was in the store unsigned
 * before, and what a replaced key under the same name signed.
 */
class SigningTest {

    @TempDir
    Path dir;

    private NixCli nix(Path key) {
        return nix(key, "");
    }

    private NixCli nix(Path key, String moreOptions) {
        Map<String, String> props = new HashMap<>(Map.of("driftless.git.url", "file:///srv/fleet", "driftless.data-dir", dir.toString(),
                "driftless.nix.options", "substituters =,extra-sandbox-paths = /bin /usr /lib /lib64" + moreOptions));
        props.put("driftless.nix.signing-key-file", key.toString());
        DriftlessConfig config = new SmallRyeConfigBuilder().withMapping(DriftlessConfig.class)
                .withConverter(Duration.class, 200, new DurationConverter())
                .withSources(new PropertiesConfigSource(props, "test", 500))
                .build().getConfigMapping(DriftlessConfig.class);
        return new NixCli(new NixSettings(config), config);
    }

    private Path key(String file, String name) {
        sh(dir, "nix key generate-secret --key-name \"$1\" > \"$2\"", name, file);
        return dir.resolve(file);
    }

    /** A derivation no store has yet, depending on {@code dep} when given. */
    private String derivation(String name, String dep) throws Exception {
        String input = dep == null ? "" : " dep = " + dep + ";";
        Files.writeString(dir.resolve(name + ".nix"), "derivation { name = \"" + name + "\"; system = builtins.currentSystem;" + input
                + " builder = \"/bin/sh\"; args = [ \"-c\" \"echo " + System.nanoTime() + (dep == null ? "" : " $dep") + " > $out\" ]; }");
        return dir.resolve(name + ".nix").toString();
    }

    /** Whether the real nix finds the whole closure of {@code out} signed by {@code key}, as a host receiving it would. */
    private boolean signedBy(Path key, String out) {
        String pub = sh(dir, "nix key convert-secret-to-public < \"$1\"", key.toString());
        return "ok".equals(sh(dir, "if nix store verify -r --no-contents --sigs-needed 1 --option trusted-public-keys \"$1\" \"$2\" 2>/dev/null;"
                + " then echo ok; else echo no; fi", pub, out));
    }

    private String build(NixCli nix, String file) throws Exception {
        String drv = sh(dir, "nix-instantiate \"$1\" 2>/dev/null", file);
        try {
            return nix.build(Map.of("h1", drv)).get("h1");
        } finally {
            nix.close();
        }
    }

    @Test
    void whatNixBuildsIsSignedAsItIsBuilt() throws Exception {
        Path key = key("a.sec", "driftless-test-1");
        String out = build(nix(key), derivation("signed-as-built", null));
        assertTrue(signedBy(key, out));
    }

    @Test
    void aKeyOfTheOperatorsNixConfigStillSignsWhatDriftlessBuilds() throws Exception {
        Path ours = key("a.sec", "driftless-test-1");
        Path operators = key("op.sec", "cache.example.org-1");
        String out = build(nix(ours, ",secret-key-files = " + operators), derivation("two-keys", null));
        assertTrue(signedBy(ours, out), "by Driftless's key");
        assertTrue(signedBy(operators, out), "and by the operator's, as nix.conf says");
    }

    @Test
    void aDependencyAlreadyInTheStoreUnsignedIsSignedToo() throws Exception {
        Path key = key("a.sec", "driftless-test-1");
        String dep = derivation("unsigned-dep", null);
        String depOut = sh(dir, "nix-build --no-out-link \"$1\" 2>/dev/null", dep);
        assertEquals(false, signedBy(key, depOut), "built without the key");
        String out = build(nix(key), derivation("on-unsigned-dep", "import " + dep));
        assertTrue(signedBy(key, out), "the closure, the dependency too");
    }

    @Test
    void aKeyReplacedUnderTheSameNameSignsTheClosureAgain() throws Exception {
        Path first = key("a.sec", "driftless-test-1");
        String file = derivation("replaced-key", null);
        String out = build(nix(first), file);
        Path second = key("b.sec", "driftless-test-1");
        assertEquals(false, signedBy(second, out), "signed by the first key only");
        assertEquals(out, build(nix(second), file));
        assertTrue(signedBy(second, out));
    }

    @Test
    void theFingerprintTheStoreGivesIsWhatNixSigned() throws Exception {
        Path key = key("a.sec", "driftless-test-1");
        String out = sh(dir, "nix-build --no-out-link \"$1\" 2>/dev/null", derivation("fingerprint", null));
        Signatures signatures = new Signatures(NixSettings.publicKey(key));
        try (StoreServe store = new StoreServe(() -> Map.of("NIX_CONFIG", OFFLINE_NIX), Duration.ofSeconds(30))) {
            assertEquals(List.of(out), signatures.unsigned(store.closureInfos(List.of(out))));
            sh(dir, "nix store sign --key-file \"$1\" \"$2\"", key.toString(), out);
            assertEquals(List.of(), signatures.unsigned(store.closureInfos(List.of(out))), "verified here, against what nix signed");
        }
    }
}
