package dev.driftless.nix;

import static dev.driftless.testing.Shell.OFFLINE_NIX;
import static dev.driftless.testing.Shell.sh;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A flake's files written as a NAR and added to the store by Driftless, against the real nix's own dump, hash and add. */
class SourceStoreTest {

    @TempDir
    Path dir;

    /** Names that sort differently by bytes and by case, a file of 8 bytes and one of none, an executable, links, nesting. */
    private Path tree() {
        sh(dir, "mkdir -p t/hosts/web t/B t/a-b && cd t && printf '12345678' > eight && : > empty && printf 'x' > a"
                + " && printf '#!/bin/sh\\necho hi\\n' > run && chmod 755 run && ln -s hosts/web link && ln -s ../eight B/up"
                + " && echo '{ motd = \"web\"; }' > hosts/web/default.nix && echo b > a-b/file && echo c > a.b && echo d > Z");
        return dir.resolve("t");
    }

    @Test
    void theNarIsByteForByteWhatNixDumps() throws Exception {
        Path tree = tree();
        sh(dir, "nix-store --dump t > dumped.nar");
        assertArrayEquals(Files.readAllBytes(dir.resolve("dumped.nar")), Nar.of(tree, SourceStore.LARGEST));
    }

    @Test
    void theHashAndStorePathAreThoseNixGivesTheTree() throws Exception {
        Path tree = tree();
        byte[] hash = Nar.sha256(Nar.of(tree, SourceStore.LARGEST));
        assertEquals(sh(dir, "nix hash path t"), Nar.sri(hash));
        assertEquals(sh(dir, "nix store add-path --dry-run --name source t"), Nar.storePath("/nix/store", "source", hash));
        assertEquals("sha256:" + sh(dir, "nix hash path --base32 t"), "sha256:" + Nar.base32(hash));
    }

    @Test
    void anAddedTreeIsValidInTheStoreAsNixItselfWouldHaveAddedIt() throws Exception {
        Path tree = tree();
        sh(dir, "echo \"$1\" > t/unique", String.valueOf(System.nanoTime())); // not in the store from an earlier run
        String expected = sh(dir, "nix store add-path --dry-run --name source t");
        assertEquals("", sh(dir, "nix path-info \"$1\" 2>/dev/null || true", expected), "not in the store before");
        try (SourceStore store = new SourceStore(() -> Map.of("NIX_CONFIG", OFFLINE_NIX), Duration.ofSeconds(30))) {
            Optional<SourceStore.Added> added = store.add(tree);
            assertEquals(expected, added.orElseThrow().storePath());
            assertEquals(sh(dir, "nix hash path t"), added.get().narHash());
            String info = sh(dir, "nix path-info --json \"$1\"", expected);
            assertTrue(info.contains("\"ca\":\"fixed:r:sha256:" + sh(dir, "nix hash path --base32 t") + "\""), info);
            sh(dir, "diff -r t \"$1\"", expected); // the store's copy is the tree, links and all
            assertEquals("555 444", sh(dir, "stat -c %a \"$1\"/run \"$1\"/a | xargs", expected), "executable stays executable");
        }
    }

    @Test
    void aServeThatDiedIsStartedAgainForTheNextTree() throws Exception {
        Path tree = tree();
        try (SourceStore store = new SourceStore(() -> Map.of("NIX_CONFIG", OFFLINE_NIX), Duration.ofSeconds(30))) {
            assertTrue(store.add(tree).isPresent());
            sh(dir, "kill -9 \"$1\"", String.valueOf(store.pid().orElseThrow()));
            sh(dir, "echo changed > t/a");
            Optional<SourceStore.Added> again = store.add(tree);
            // The first add after the kill may find the pipe closed; the one after it must work.
            Optional<SourceStore.Added> next = again.isPresent() ? again : store.add(tree);
            assertEquals(sh(dir, "nix hash path t"), next.orElseThrow().narHash());
        }
    }

    @Test
    void aTreeWithANameThatIsNotAsciiIsLeftToNix() throws Exception {
        Path tree = tree();
        Files.writeString(tree.resolve("caf\u00e9.nix"), "{}");
        try (SourceStore store = new SourceStore(() -> Map.of("NIX_CONFIG", OFFLINE_NIX), Duration.ofSeconds(30))) {
            assertEquals(Optional.empty(), store.add(tree));
        }
    }

    @Test
    void whenTheStoreRefusesTheTreeItIsLeftToNixAndNothingIsThrown() throws Exception {
        Path tree = tree();
        // A daemon that is not there: nix-store cannot open the store.
        Map<String, String> env = Map.of("NIX_CONFIG", OFFLINE_NIX, "NIX_REMOTE", "unix://" + dir.resolve("no-daemon"));
        try (SourceStore store = new SourceStore(() -> env, Duration.ofSeconds(30))) {
            assertEquals(Optional.empty(), store.add(tree));
            assertEquals(Optional.empty(), store.add(tree), "and again, with a new nix-store");
        }
    }

    @Test
    void base32IsNixsAlphabetAndOrder() {
        byte[] zero = new byte[20];
        assertEquals("00000000000000000000000000000000", Nar.base32(zero));
        byte[] one = new byte[20];
        one[0] = 1;
        assertEquals("00000000000000000000000000000001", Nar.base32(one));
        assertEquals(52, Nar.base32(Base64.getDecoder().decode("E0xa+ibMx6gOl/QEQ3/1xk8z4QLmKdE3UO5uLfBV0QY=")).length());
    }
}
