package dev.driftless.source;

import static dev.driftless.testing.Shell.sh;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.driftless.testing.FleetFixture;
import dev.driftless.testing.NamespaceFleet;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The JGit mirror fetching the fleet repository from a real sshd, with the host key pinned. */
class GitOverSshIT {

    private static FleetFixture repo;
    private static NamespaceFleet hosts;
    private static String url;

    @BeforeAll
    static void start() {
        assumeTrue(NamespaceFleet.canRun(), "Git-over-SSH tests need root and sshd to make a network-namespace Git server; CI runs as root");
        repo = new FleetFixture();
        sh(repo.repo().getParent(), "git clone -q --bare repo fleet.git");
        hosts = new NamespaceFleet(List.of("git1"));
        url = "ssh://root@" + hosts.ip("git1") + repo.repo().getParent().resolve("fleet.git");
    }

    @AfterAll
    static void stop() {
        if (hosts != null) {
            hosts.close();
        }
        if (repo != null) {
            repo.close();
        }
    }

    @Test
    void mirrorFetchesTheBranchOverSshWithThePinnedHostKey() throws Exception {
        Path mirror = Files.createTempDirectory("driftless-mirror-").resolve("mirror.git");
        GitMirror.Head head = new JGitMirror(url, "main", mirror, hosts.knownHosts(), hosts.clientKey()).fetch();
        assertEquals(repo.head(), head.sha());
        assertEquals("initial fleet", head.message());
    }

    @Test
    void hostWhoseKeyIsNotPinnedIsRefused() throws Exception {
        Path dir = Files.createTempDirectory("driftless-mirror-");
        Path emptyKnownHosts = Files.writeString(dir.resolve("known_hosts"), "");
        JGitMirror mirror = new JGitMirror(url, "main", dir.resolve("mirror.git"), emptyKnownHosts, hosts.clientKey());
        GitFetchFailed failure = assertThrows(GitFetchFailed.class, mirror::fetch);
        assertTrue(failure.getMessage().contains(hosts.ip("git1")), failure.getMessage());
    }
}
