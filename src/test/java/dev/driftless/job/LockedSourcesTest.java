package dev.driftless.job;

import static dev.driftless.testing.Shell.sh;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.driftless.nix.Nix;
import dev.driftless.nix.NixFailure;
import dev.driftless.source.JGitMirror;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The exported tree against Nix's own fetch of the same commit, with the real nix. */
class LockedSourcesTest {

    @TempDir
    Path dir;

    interface Evaluator {
        Nix.Evaluation evaluate(String flakeRef) throws NixFailure;
    }

    /** A Nix that only evaluates, as {@code evaluator} says: LockedSources needs nothing else. */
    static Nix evaluating(Evaluator evaluator) {
        return new Nix() {
            @Override
            public Evaluation evaluate(String flakeRef, Progress progress) throws NixFailure {
                return evaluator.evaluate(flakeRef);
            }

            @Override
            public Map<String, String> build(Map<String, String> drvPaths) {
                throw new UnsupportedOperationException();
            }

            @Override
            public void realise(Collection<String> drvPaths) {
                throw new UnsupportedOperationException();
            }

            @Override
            public void fetch(Collection<String> outPaths) {
                throw new UnsupportedOperationException();
            }
        };
    }

    private static final String FLAKE = "{ outputs = { self }: { info = { inherit (self) rev shortRev revCount lastModified narHash;"
            + " out = self.outPath; v = builtins.readFile ./hosts/a/v; }; }; }";

    @Test
    void nixEvaluatesTheExportedTreeWithoutGitAndSeesWhatItsOwnFetchSees() throws Exception {
        sh(dir, "git init -q -b main repo && cd repo && printf '%s' \"$1\" > flake.nix && mkdir -p hosts/a bin"
                + " && echo one > hosts/a/v && printf '#!/bin/sh\\n' > bin/run && chmod +x bin/run && ln -s hosts/a/v link"
                + " && git add -A && git commit -q -m one && sleep 1 && echo two > hosts/a/v && git commit -q -am two", FLAKE);
        JGitMirror mirror = new JGitMirror("file://" + dir.resolve("repo"), "main", dir.resolve("git/mirror.git"), null);
        String sha = mirror.fetch().sha();
        // The real nix with no git on its PATH: it can only read the files Driftless wrote.
        String nixBinary = sh(dir, "command -v nix");
        List<String> refs = new ArrayList<>();
        List<String> results = new ArrayList<>();
        new LockedSources(mirror, evaluating(ref -> {
            refs.add(ref);
            try {
                results.add(sh(dir, "PATH=/var/empty \"$1\" eval --json \"$2#info\"", nixBinary, ref));
            } catch (AssertionError e) {
                throw new NixFailure(e.getMessage());
            }
            return new Nix.Evaluation(Map.of(), null);
        })).evaluate(sha, Nix.Progress.NONE);
        assertEquals(1, refs.size(), "the exported tree evaluated, no fallback: " + refs);
        assertTrue(refs.get(0).startsWith("path:/") && refs.get(0).contains("narHash="), refs.get(0));
        // Nix's own fetch of the commit, after: the tree it makes has the same store path, rev, revCount and lastModified.
        String ownFetch = sh(dir, "nix eval --json \"$1#info\"", mirror.flakeRef(sha));
        assertEquals(ownFetch, results.get(0));
        assertTrue(ownFetch.contains("\"revCount\":2") && ownFetch.contains("\"v\":\"two\\n\""), ownFetch);
        String mine = Scratch.PREFIX + ProcessHandle.current().pid() + "-";
        try (var left = Files.list(Path.of("/dev/shm"))) {
            assertTrue(left.noneMatch(p -> p.getFileName().toString().startsWith(mine)), "the exported tree is removed after the evaluation");
        }
    }

    @Test
    void aCommitWithGitattributesIsFetchedByNixItself() throws Exception {
        sh(dir, "git init -q -b main repo && cd repo && printf '%s' \"$1\" > flake.nix && mkdir -p hosts/a"
                + " && echo one > hosts/a/v && echo 'hosts/a/v export-subst' > .gitattributes && git add -A && git commit -q -m one", FLAKE);
        JGitMirror mirror = new JGitMirror("file://" + dir.resolve("repo"), "main", dir.resolve("git/mirror.git"), null);
        String sha = mirror.fetch().sha();
        List<String> refs = new ArrayList<>();
        new LockedSources(mirror, evaluating(ref -> {
            refs.add(ref);
            return new Nix.Evaluation(Map.of(), null);
        })).evaluate(sha, Nix.Progress.NONE);
        assertEquals(List.of(mirror.flakeRef(sha)), refs);
    }

    @Test
    void aTreeThatFailsToEvaluateIsEvaluatedByNixsOwnFetchWhoseResultCounts() throws Exception {
        sh(dir, "git init -q -b main repo && cd repo && echo '{ outputs = { self }: { info = 1; }; }' > flake.nix && git add -A && git commit -q -m one");
        JGitMirror mirror = new JGitMirror("file://" + dir.resolve("repo"), "main", dir.resolve("git/mirror.git"), null);
        String sha = mirror.fetch().sha();
        List<String> refs = new ArrayList<>();
        Nix.Evaluation plain = new Nix.Evaluation(Map.of("h", "/nix/store/x.drv"), null);
        Nix.Evaluation result = new LockedSources(mirror, evaluating(ref -> {
            refs.add(ref);
            if (ref.startsWith("path:")) {
                throw new NixFailure("the exported tree failed");
            }
            return plain;
        })).evaluate(sha, Nix.Progress.NONE);
        assertEquals(2, refs.size());
        assertEquals(mirror.flakeRef(sha), refs.get(1));
        assertEquals(plain, result);
    }
}
