package dev.driftless.job;

import static dev.driftless.testing.Shell.sh;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.driftless.nix.Nix;
import dev.driftless.source.JGitMirror;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The locked reference against Nix's own fetch of the same commit, with the real nix. */
class LockedSourcesTest {

    @TempDir
    Path dir;

    /** Only what LockedSources uses, done by the real nix. */
    static final class StoreOnly implements Nix {
        final Path dir;

        StoreOnly(Path dir) {
            this.dir = dir;
        }

        @Override
        public String addSource(Path tree) {
            return sh(dir, "nix store add-path --name source \"$1\"", tree.toString());
        }

        @Override
        public Evaluation evaluate(String flakeRef) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Map<String, String> build(Map<String, String> drvPaths) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void fetch(Collection<String> outPaths) {
            throw new UnsupportedOperationException();
        }
    }

    private static final String FLAKE = "{ outputs = { self }: { info = { inherit (self) rev shortRev revCount lastModified narHash; out = self.outPath; };"
            + " v = builtins.readFile ./hosts/a/v; run = builtins.readFile ./bin/run; }; }";

    @Test
    void nixEvaluatesTheLockedTreeWithoutGitAndSeesWhatItsOwnFetchSees() throws Exception {
        sh(dir, "git init -q -b main repo && cd repo && printf '%s' \"$1\" > flake.nix && mkdir -p hosts/a bin"
                + " && echo one > hosts/a/v && printf '#!/bin/sh\\n' > bin/run && chmod +x bin/run && ln -s hosts/a/v link"
                + " && git add -A && git commit -q -m one && echo two > hosts/a/v && git commit -q -am two", FLAKE);
        JGitMirror mirror = new JGitMirror("file://" + dir.resolve("repo"), "main", dir.resolve("git/mirror.git"), null);
        String sha = mirror.fetch().sha();
        String locked = new LockedSources(mirror, new StoreOnly(dir)).flakeRef(sha);
        assertTrue(locked.startsWith("path:/nix/store/") && locked.contains("narHash="), locked);
        // First, before Nix has fetched this commit itself: with no git on its PATH, nix can only use the tree in the store.
        String nix = sh(dir, "command -v nix");
        String withoutGit = sh(dir, "PATH=/var/empty \"$1\" eval --json \"$2#info\"", nix, locked);
        String ownFetch = sh(dir, "nix eval --json \"$1#info\"", mirror.flakeRef(sha));
        assertEquals(ownFetch, withoutGit);
        assertTrue(ownFetch.contains("\"revCount\":2"), ownFetch);
        assertEquals("\"two\\n\"", sh(dir, "nix eval --json \"$1#v\"", locked));
        String mine = Scratch.PREFIX + ProcessHandle.current().pid() + "-";
        try (var left = Files.list(Path.of("/dev/shm"))) {
            assertTrue(left.noneMatch(p -> p.getFileName().toString().startsWith(mine)), "the exported tree is removed once it is in the store");
        }
    }

    @Test
    void aCommitWithGitattributesIsFetchedByNixItself() throws Exception {
        sh(dir, "git init -q -b main repo && cd repo && printf '%s' \"$1\" > flake.nix && mkdir -p hosts/a bin"
                + " && echo one > hosts/a/v && echo run > bin/run && echo 'hosts/a/v export-subst' > .gitattributes"
                + " && git add -A && git commit -q -m one", FLAKE);
        JGitMirror mirror = new JGitMirror("file://" + dir.resolve("repo"), "main", dir.resolve("git/mirror.git"), null);
        String sha = mirror.fetch().sha();
        String ref = new LockedSources(mirror, new StoreOnly(dir)).flakeRef(sha);
        assertEquals(mirror.flakeRef(sha), ref);
        assertEquals("\"one\\n\"", sh(dir, "nix eval --json \"$1#v\"", ref));
    }
}
