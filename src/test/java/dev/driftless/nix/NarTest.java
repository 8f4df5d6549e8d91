package dev.driftless.nix;

import static dev.driftless.testing.Shell.sh;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Nar's hash against Nix's own, on trees with what a NAR records. */
class NarTest {

    @TempDir
    Path dir;

    @Test
    void hashesATreeAsNixDoes() throws Exception {
        sh(dir, "mkdir -p t/hosts/a t/empty t/Zeta t/lib && printf 'x' > t/one && printf '' > t/hosts/empty.nix"
                + " && printf '12345678' > t/hosts/a/eight && printf 'sixteen bytes!!!seventeen' > t/lib/long"
                + " && printf '#!/bin/sh\\n' > t/lib/run && chmod 755 t/lib/run && ln -s ../one t/lib/link && ln -s missing t/dangling"
                + " && printf 'b' > t/b && printf 'B' > t/B && printf 'u' > t/\u00e9t\u00e9");
        assertEquals(sh(dir, "nix hash path --type sha256 --sri t"), Nar.sha256(dir.resolve("t")));
    }

    @Test
    void theExecuteBitAndASymlinkTargetChangeTheHash() throws Exception {
        sh(dir, "mkdir t && printf 'x' > t/f && ln -s f t/l");
        String before = Nar.sha256(dir.resolve("t"));
        sh(dir, "chmod +x t/f");
        String executable = Nar.sha256(dir.resolve("t"));
        assertNotEquals(before, executable);
        assertEquals(sh(dir, "nix hash path --type sha256 --sri t"), executable);
        sh(dir, "rm t/l && ln -s g t/l");
        assertNotEquals(executable, Nar.sha256(dir.resolve("t")));
    }

    @Test
    void aSingleFileHashesAsNixDoes() throws Exception {
        sh(dir, "printf 'hello' > f");
        assertEquals(sh(dir, "nix hash path --type sha256 --sri f"), Nar.sha256(dir.resolve("f")));
    }
}
