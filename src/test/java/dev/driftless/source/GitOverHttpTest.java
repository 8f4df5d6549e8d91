package dev.driftless.source;

import static dev.driftless.testing.Shell.sh;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.driftless.testing.GitHttpServer;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fetching over smart HTTP from a real git http-backend that wants a token, as a Git host does
 * for an access token: the right token fetches, a wrong or missing one fails with an error
 * that names the repository and what to do, and never shows the token, not even when it is
 * written into the URL.
 */
class GitOverHttpTest {

    private static final String TOKEN = "ghp_" + java.util.UUID.randomUUID().toString().replace("-", "");
    private static Path base;
    private static GitHttpServer server;
    private static String url;
    private static int port;
    private static String head;

    @TempDir
    Path dir;

    @BeforeAll
    static void serve() throws IOException {
        base = Files.createTempDirectory("driftless-git-http-");
        head = sh(base, "git init -q --bare fleet.git && git clone -q fleet.git work 2>/dev/null; cd work && echo '{}' > flake.nix"
                + " && git add -A && git commit -q -m init && git push -q origin HEAD:main 2>/dev/null; git rev-parse HEAD");
        server = GitHttpServer.serve(base, "x-access-token", TOKEN);
        port = server.port();
        url = server.url("fleet.git");
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
        sh(base.getParent(), "rm -rf \"$1\"", base.toString());
    }

    @Test
    void theRightTokenFromAFileFetches() throws Exception {
        Path tokenFile = Files.writeString(dir.resolve("token"), TOKEN + "\n");
        GitMirror.Head fetched = new JGitMirror(url, "main", dir.resolve("mirror.git"), new JGitMirror.HttpToken("x-access-token", tokenFile)).fetch();
        assertEquals(head, fetched.sha());
    }

    @Test
    void aWrongTokenFailsWithAnErrorThatNamesTheRepositoryAndHidesTheToken() throws Exception {
        String wrong = "ghp_wrong" + java.util.UUID.randomUUID();
        Path tokenFile = Files.writeString(dir.resolve("token"), wrong);
        GitFetchFailed failure = assertThrows(GitFetchFailed.class,
                () -> new JGitMirror(url, "main", dir.resolve("mirror.git"), new JGitMirror.HttpToken("x-access-token", tokenFile)).fetch());
        assertTrue(failure.getMessage().contains(url), failure.getMessage());
        assertTrue(failure.getMessage().contains("check the token in " + tokenFile), failure.getMessage());
        assertFalse(failure.getMessage().contains(wrong), "the token is not in the error");
    }

    @Test
    void aTokenAloneAsTheUrlsUserInfoIsNotInTheError() {
        String token = "ghp_inurl" + java.util.UUID.randomUUID().toString().replace("-", "");
        GitFetchFailed failure = assertThrows(GitFetchFailed.class,
                () -> new JGitMirror("http://" + token + "@127.0.0.1:" + port + "/fleet.git", "main", dir.resolve("mirror.git"), null).fetch());
        assertFalse(failure.getMessage().contains(token), failure.getMessage());
        assertTrue(failure.getMessage().contains("http://***@127.0.0.1:" + port + "/fleet.git"), failure.getMessage());
    }

    @Test
    void aTokenInTheUrlOfAnUnreachableRemoteIsNotInTheError() throws IOException {
        int closed;
        try (ServerSocket socket = new ServerSocket(0)) {
            closed = socket.getLocalPort();
        }
        String token = "ghp_closed" + java.util.UUID.randomUUID().toString().replace("-", "");
        GitFetchFailed failure = assertThrows(GitFetchFailed.class,
                () -> new JGitMirror("https://" + token + "@127.0.0.1:" + closed + "/fleet.git", "main", dir.resolve("mirror.git"), null).fetch());
        assertFalse(failure.getMessage().contains(token), failure.getMessage());
        assertTrue(failure.getMessage().contains("https://***@127.0.0.1:" + closed), failure.getMessage());
    }

    @Test
    void noTokenFailsWithAnErrorThatSaysHowToGiveOne() {
        GitFetchFailed failure = assertThrows(GitFetchFailed.class,
                () -> new JGitMirror(url, "main", dir.resolve("mirror.git"), null).fetch());
        assertTrue(failure.getMessage().contains("driftless.git.token-file"), failure.getMessage());
    }
}
