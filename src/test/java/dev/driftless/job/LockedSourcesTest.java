package dev.driftless.job;

import static dev.driftless.testing.Shell.sh;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.driftless.nix.Nix;
import dev.driftless.nix.NixFailure;
import dev.driftless.nix.SourceStore;
import dev.driftless.source.GitMirror;
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
        return evaluating(evaluator, null);
    }

    /** As {@link #evaluating(Evaluator)}, with the files added to the store by {@code store} first when it is not null. */
    static Nix evaluating(Evaluator evaluator, SourceStore store) {
        return new Nix() {
            @Override
            public java.util.Optional<String> addSource(Path tree) {
                return store == null ? java.util.Optional.empty() : store.add(tree).map(SourceStore.Added::narHash);
            }

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
        LockedSources sources = new LockedSources(mirror, withoutGit(nixBinary, refs, results));
        long before = ourTrees(); // an application tested in this JVM keeps its own
        sources.evaluate(sha, Nix.Progress.NONE);
        assertEquals(1, refs.size(), "the exported tree evaluated, no fallback: " + refs);
        assertTrue(refs.get(0).startsWith("path:/") && refs.get(0).contains("rev=" + sha), refs.get(0));
        // Nix's own fetch of the commit, after: the tree it makes has the same store path, NAR hash, rev, revCount and lastModified.
        String ownFetch = sh(dir, "nix eval --json \"$1#info\"", mirror.flakeRef(sha));
        assertEquals(ownFetch, results.get(0));
        assertTrue(ownFetch.contains("\"revCount\":2") && ownFetch.contains("\"v\":\"two\\n\""), ownFetch);
        assertEquals(before + 1, ourTrees(), "the files are kept for the next commit");
        sources.close();
        assertEquals(before, ourTrees(), "the kept files are removed at shutdown");
    }

    /**
     * Each commit is written over the files of the one before: files added, changed, removed with
     * the directory they leave empty, an execute bit set and cleared, a symlink retargeted and
     * replaced by a file, a file replaced by a directory and the reverse, and a commit dated before
     * the one before it. Nix sees in each what its own fetch of that commit sees.
     */
    @Test
    void eachCommitWrittenOverTheLastIsWhatNixsOwnFetchSees() throws Exception {
        eachCommitWrittenOverTheLast(null);
    }

    /** The same commits, each added to the store by Driftless and evaluated from there: what Nix sees is the same. */
    @Test
    void eachCommitAddedToTheStoreByDriftlessIsWhatNixsOwnFetchSees() throws Exception {
        try (SourceStore store = new SourceStore(() -> Map.of("NIX_CONFIG", dev.driftless.testing.Shell.OFFLINE_NIX),
                java.time.Duration.ofSeconds(30))) {
            eachCommitWrittenOverTheLast(store);
        }
    }

    private void eachCommitWrittenOverTheLast(SourceStore store) throws Exception {
        String flake = "{ outputs = { self }: { info = { inherit (self) rev revCount lastModified narHash; out = self.outPath; }; }; }";
        sh(dir, "git init -q -b main repo && cd repo && printf '%s' \"$1\" > flake.nix && mkdir -p hosts/a lib/deep/er x"
                + " && echo one > hosts/a/v && echo gone > lib/deep/er/f && echo s > x/s && ln -s hosts/a/v link && echo p > p"
                + " && git add -A && git commit -q -m one", flake);
        String[] steps = {
            "echo two > hosts/a/v && echo new > hosts/b && git rm -q -r lib && chmod +x p",
            "chmod -x p && ln -sfn p link && git rm -q -r x && echo now-a-file > x",
            "git rm -q p && mkdir p && echo in > p/q",
            "git rm -q link && echo file > link && git rm -q -r p && echo back > p",
            "echo three > hosts/a/v",
        };
        JGitMirror mirror = new JGitMirror("file://" + dir.resolve("repo"), "main", dir.resolve("git/mirror.git"), null);
        String nixBinary = sh(dir, "command -v nix");
        List<String> refs = new ArrayList<>();
        List<String> results = new ArrayList<>();
        LockedSources sources = new LockedSources(mirror, withoutGit(nixBinary, refs, results, store));
        try {
            for (int i = 0; i <= steps.length; i++) {
                if (i > 0) {
                    // The last commit is dated an hour before the one it follows: every file's time goes back.
                    String date = i == steps.length ? "GIT_COMMITTER_DATE=\"$(date -d '-1 hour' -R)\" " : "";
                    sh(dir.resolve("repo"), "sleep 1 && " + steps[i - 1] + " && git add -A && " + date + "git commit -q -m step" + i);
                }
                String sha = mirror.fetch().sha();
                sources.evaluate(sha, Nix.Progress.NONE);
                assertEquals(i + 1, refs.size(), "commit " + i + " evaluated from our files, no fallback: " + refs);
                assertTrue(refs.get(i).startsWith("path:/"), refs.get(i));
                assertEquals(store != null, refs.get(i).contains("&narHash=sha256-"), refs.get(i));
                assertEquals(sh(dir, "nix eval --json \"$1#info\"", mirror.flakeRef(sha)), results.get(i), "commit " + i);
            }
        } finally {
            sources.close();
        }
    }

    /**
     * A kept file changed behind Driftless's back, even with its time set back, is never evaluated:
     * the next commit is written whole.
     */
    @Test
    void aKeptFileChangedByHandNeverReachesAnEvaluation() throws Exception {
        String flake = "{ outputs = { self }: { info = { inherit (self) rev narHash; v = builtins.readFile ./v; }; }; }";
        sh(dir, "git init -q -b main repo && cd repo && printf '%s' \"$1\" > flake.nix && echo good > v && echo 1 > w"
                + " && git add -A && git commit -q -m one", flake);
        JGitMirror mirror = new JGitMirror("file://" + dir.resolve("repo"), "main", dir.resolve("git/mirror.git"), null);
        List<String> refs = new ArrayList<>();
        List<String> results = new ArrayList<>();
        LockedSources sources = new LockedSources(mirror, withoutGit(sh(dir, "command -v nix"), refs, results));
        try {
            List<Path> before = ourTreeDirs();
            sources.evaluate(mirror.fetch().sha(), Nix.Progress.NONE);
            List<Path> kept = ourTreeDirs();
            kept.removeAll(before);
            assertEquals(1, kept.size(), "one tree kept: " + kept);
            Path v = kept.get(0).resolve("source/v");
            sh(dir, "t=$(stat -c %Y \"$1\") && echo evil > \"$1\" && touch -d \"@$t\" \"$1\"", v.toString());
            sh(dir.resolve("repo"), "sleep 1 && echo 2 > w && git commit -q -am two");
            String sha = mirror.fetch().sha();
            sources.evaluate(sha, Nix.Progress.NONE);
            String own = sh(dir, "nix eval --json \"$1#info\"", mirror.flakeRef(sha));
            assertTrue(own.contains("good"), own);
            assertEquals(own, results.get(1));
            assertTrue(refs.get(1).startsWith("path:/") && !Files.exists(v), "written whole into a new tree: " + refs);
        } finally {
            sources.close();
        }
    }

    /**
     * Each way the kept files cannot serve the next commit, in a row: a commit that adds a
     * {@code .gitattributes} goes to Nix's own fetch and drops them; the commit after is written
     * whole; a mirror that cannot write a commit over them (a lost commit, a full disk) gets it
     * written whole. Every result is what Nix's own fetch sees.
     */
    @Test
    void whenTheKeptFilesCannotServeACommitItIsWrittenWholeOrFetchedByNix() throws Exception {
        String flake = "{ outputs = { self }: { info = { inherit (self) rev narHash; v = builtins.readFile ./v; }; }; }";
        sh(dir, "git init -q -b main repo && cd repo && printf '%s' \"$1\" > flake.nix && echo 1 > v && git add -A && git commit -q -m one", flake);
        JGitMirror jgit = new JGitMirror("file://" + dir.resolve("repo"), "main", dir.resolve("git/mirror.git"), null);
        boolean[] updateFails = {false};
        GitMirror mirror = failingUpdates(jgit, updateFails);
        List<String> refs = new ArrayList<>();
        List<String> results = new ArrayList<>();
        LockedSources sources = new LockedSources(mirror, withoutGit(sh(dir, "command -v nix"), refs, results));
        record Row(String change, boolean updateFails, boolean fetchedByNix) {}
        List<Row> rows = List.of(
                new Row("echo 2 > v", false, false),
                new Row("echo 'v export-subst' > .gitattributes && echo 3 > v", false, true),
                new Row("git rm -q .gitattributes && echo 4 > v", false, false),
                new Row("echo 5 > v", true, false));
        try {
            sources.evaluate(jgit.fetch().sha(), Nix.Progress.NONE);
            long kept = ourTrees();
            for (Row row : rows) {
                sh(dir.resolve("repo"), "sleep 1 && " + row.change() + " && git add -A && git commit -q -m next");
                String sha = jgit.fetch().sha();
                updateFails[0] = row.updateFails();
                sources.evaluate(sha, Nix.Progress.NONE);
                String ref = refs.get(refs.size() - 1);
                assertEquals(row.fetchedByNix(), ref.equals(jgit.flakeRef(sha)), row + ": " + ref);
                assertEquals(sh(dir, "nix eval --json \"$1#info\"", jgit.flakeRef(sha)), results.get(results.size() - 1), row.toString());
                assertEquals(row.fetchedByNix() ? kept - 1 : kept, ourTrees(), row + ": files kept only from our own tree");
            }
        } finally {
            sources.close();
        }
    }

    /** {@code mirror}, whose {@link GitMirror#update} fails while {@code fails[0]} is set. */
    private static GitMirror failingUpdates(GitMirror mirror, boolean[] fails) {
        return new GitMirror() {
            public Head fetch() throws dev.driftless.source.GitFetchFailed {
                return mirror.fetch();
            }

            public boolean contains(String sha) {
                return mirror.contains(sha);
            }

            public boolean contains(String ancestor, String head) {
                return mirror.contains(ancestor, head);
            }

            public Path directory() {
                return mirror.directory();
            }

            public String flakeRef(String sha) {
                return mirror.flakeRef(sha);
            }

            public java.util.Optional<Snapshot> export(String sha, Path into) throws java.io.IOException {
                return mirror.export(sha, into);
            }

            public java.util.Optional<Update> update(String from, String sha, Path into) throws java.io.IOException {
                if (fails[0]) {
                    throw new java.io.IOException("no space left on device");
                }
                return mirror.update(from, sha, into);
            }

            public List<String> changedPaths(String sha, int limit) {
                return mirror.changedPaths(sha, limit);
            }
        };
    }

    /** Evaluates {@code info} of the reference with the real nix; for our files with no git on its PATH, so it can only read what Driftless wrote. */
    private Nix withoutGit(String nixBinary, List<String> refs, List<String> results) {
        return withoutGit(nixBinary, refs, results, null);
    }

    private Nix withoutGit(String nixBinary, List<String> refs, List<String> results, SourceStore store) {
        return evaluating(ref -> {
            refs.add(ref);
            try {
                // Nix's own fetch of the repository (the fallback) runs git; our files must not need it.
                String path = ref.startsWith("path:") ? "/var/empty" : System.getenv("PATH");
                results.add(sh(dir, "PATH=\"$3\" \"$1\" eval --json \"$2#info\"", nixBinary, ref, path));
            } catch (AssertionError e) {
                throw new NixFailure(e.getMessage());
            }
            return new Nix.Evaluation(Map.of(), null);
        }, store);
    }

    private static long ourTrees() throws java.io.IOException {
        return ourTreeDirs().size();
    }

    private static List<Path> ourTreeDirs() throws java.io.IOException {
        String mine = Scratch.PREFIX + ProcessHandle.current().pid() + "-";
        try (var left = Files.list(Path.of("/dev/shm"))) {
            return new ArrayList<>(left.filter(p -> p.getFileName().toString().startsWith(mine)).toList());
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
