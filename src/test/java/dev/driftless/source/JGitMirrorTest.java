package dev.driftless.source;

import static dev.driftless.testing.Shell.sh;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JGitMirrorTest {

    @TempDir
    Path dir;

    @Test
    void aHeadsMessageComesWithoutTheCredentialsOfAUrlInIt() throws Exception {
        sh(dir, "git init -q -b main repo && cd repo && echo '{}' > flake.nix && git add -A"
                + " && git commit -q -m 'mirror from https://bob:s3cr3t-t0ken@git.example.org/lib.git'");
        GitMirror.Head head = new JGitMirror("file://" + dir.resolve("repo"), "main", dir.resolve("mirror.git"), null).fetch();
        assertEquals("mirror from https://***@git.example.org/lib.git", head.message());
    }

    /**
     * Nix reads the mirror through a directory that only points at it, and still evaluates exactly
     * the commit asked for: not the branch head, not anything left in that directory.
     */
    @Test
    void theFlakeRefEvaluatesExactlyTheCommitNotTheHeadNorTheLinkDirectory() throws Exception {
        sh(dir, "git init -q -b main repo && cd repo && printf '{ outputs = { self }: { v = builtins.readFile ./v; rev = self.rev; }; }' > flake.nix"
                + " && echo first > v && git add -A && git commit -q -m first && git rev-parse HEAD > ../first"
                + " && echo second > v && git commit -q -am second");
        JGitMirror mirror = new JGitMirror("file://" + dir.resolve("repo"), "main", dir.resolve("mirror.git"), null);
        String head = mirror.fetch().sha();
        String first = java.nio.file.Files.readString(dir.resolve("first")).strip();
        String ref = mirror.flakeRef(first);
        String linkDir = ref.substring("git+file://".length(), ref.indexOf('?'));
        java.nio.file.Files.writeString(Path.of(linkDir, "v"), "left in the link directory\n");
        String nix = "nix eval --raw";
        assertEquals("first", sh(dir, nix + " \"$1#v\"", ref));
        assertEquals(first, sh(dir, nix + " \"$1#rev\"", ref));
        assertEquals("second", sh(dir, nix + " \"$1#v\"", mirror.flakeRef(head)));
    }

    @Test
    void aCommitsChangedPathsAreThoseItChangesAgainstItsParent() throws Exception {
        sh(dir, "git init -q -b main repo && cd repo && mkdir -p hosts lib && echo a > hosts/web1.nix && echo b > hosts/web2.nix"
                + " && echo c > lib/common.nix && git add -A && git commit -q -m first && git rev-parse HEAD > ../first"
                + " && echo changed > hosts/web2.nix && mkdir -p machines/db1 && echo d > machines/db1/default.nix"
                + " && git rm -q lib/common.nix && git add -A && git commit -q -m second");
        JGitMirror mirror = new JGitMirror("file://" + dir.resolve("repo"), "main", dir.resolve("mirror.git"), null);
        String head = mirror.fetch().sha();
        assertEquals(java.util.List.of("hosts/web2.nix", "lib/common.nix", "machines/db1/default.nix"), mirror.changedPaths(head, 10));
        assertEquals(java.util.List.of("hosts/web2.nix"), mirror.changedPaths(head, 1));
        String first = java.nio.file.Files.readString(dir.resolve("first")).strip();
        assertEquals(java.util.List.of(), mirror.changedPaths(first, 10), "a first commit changes everything: no hint");
        assertEquals(java.util.List.of(), mirror.changedPaths("0".repeat(40), 10), "a commit the mirror lacks");
    }
}
