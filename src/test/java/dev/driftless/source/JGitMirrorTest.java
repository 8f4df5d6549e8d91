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
}
