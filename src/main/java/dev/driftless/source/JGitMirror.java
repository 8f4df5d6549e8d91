package dev.driftless.source;

import dev.driftless.config.DriftlessConfig;
import dev.driftless.secret.Redaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.treewalk.TreeWalk;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import java.util.List;
import org.eclipse.jgit.api.TransportConfigCallback;
import org.eclipse.jgit.transport.RefSpec;
import org.eclipse.jgit.transport.UsernamePasswordCredentialsProvider;
import org.eclipse.jgit.transport.SshTransport;
import org.eclipse.jgit.transport.sshd.SshdSessionFactory;
import org.eclipse.jgit.transport.sshd.SshdSessionFactoryBuilder;
import org.eclipse.jgit.transport.URIish;

/** {@link GitMirror} as a bare JGit repository under {@code <data-dir>/git/mirror.git}. */
@ApplicationScoped
public class JGitMirror implements GitMirror {

    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(JGitMirror.class);

    private final String url;
    private final String branch;
    private final Path dir;
    private final TransportConfigCallback ssh;
    private final CommitFiles files = new CommitFiles();

    /** An access token for https:// remotes, read from its file at each fetch. */
    public record HttpToken(String username, Path file) {}

    private HttpToken token;

    @Inject
    JGitMirror(DriftlessConfig config) {
        this(config.git().url(), config.git().branch(), Path.of(config.dataDir(), "git", "mirror.git"),
                Path.of(config.ssh().knownHostsFile().orElse(Path.of(config.dataDir(), "ssh", "known_hosts").toString())),
                config.git().sshKeyFile().or(() -> config.ssh().privateKeyFile()).map(Path::of).orElse(null));
        this.token = config.git().tokenFile().map(f -> new HttpToken(config.git().username(), Path.of(f))).orElse(null);
    }

    /** With a token for https:// remotes. */
    public JGitMirror(String url, String branch, Path dir, HttpToken token) {
        this(url, branch, dir, dir.resolveSibling("known_hosts"), null);
        this.token = token;
    }

    /**
     * SSH remotes use the same pinned known_hosts and key as the hosts do, and nothing from
     * {@code ~/.ssh}: an unknown or changed host key is refused.
     */
    public JGitMirror(String url, String branch, Path dir, Path knownHosts, Path privateKey) {
        this.url = url;
        Redaction.registerUrl(url); // JGit repeats the URL in its errors, also in forms of its own
        this.branch = branch;
        this.dir = dir.toAbsolutePath();
        SshdSessionFactory factory = new SshdSessionFactoryBuilder()
                .setHomeDirectory(this.dir.toFile())
                .setSshDirectory(knownHosts.toAbsolutePath().getParent().toFile())
                .setConfigFile(home -> null)
                .setDefaultKnownHostsFiles(sshDir -> List.of(knownHosts.toAbsolutePath()))
                .setDefaultIdentities(sshDir -> privateKey == null ? List.of() : List.of(privateKey.toAbsolutePath()))
                .setPreferredAuthentications("publickey")
                .build(null);
        this.ssh = transport -> {
            if (transport instanceof SshTransport sshTransport) {
                sshTransport.setSshSessionFactory(factory);
            }
        };
    }

    @Override
    public synchronized Head fetch() throws GitFetchFailed {
        String ref = "refs/heads/" + branch;
        try (Git git = open()) {
            String secret = readToken();
            git.fetch().setRemote("origin").setTransportConfigCallback(ssh)
                    .setCredentialsProvider(secret == null ? null : new UsernamePasswordCredentialsProvider(token.username(), secret))
                    .setRefSpecs(new RefSpec("+" + ref + ":" + ref))
                    .setForceUpdate(true)
                    .call();
            Repository repo = git.getRepository();
            ObjectId head = repo.resolve(ref);
            if (head == null) {
                throw new GitFetchFailed("branch " + branch + " not found in " + redacted(), null);
            }
            try (RevWalk walk = new RevWalk(repo)) {
                RevCommit commit = walk.parseCommit(head);
                // A commit message is shown and sent on like any other text, so a URL with credentials in it loses them here.
                return new Head(commit.getName(), Redaction.redact(commit.getShortMessage()), commit.getAuthorIdent().getName(),
                        Instant.ofEpochSecond(commit.getCommitTime()));
            }
        } catch (GitAPIException | IOException | RuntimeException e) {
            // JGit's text names the URL as it parsed it, with a token-only user info as the user name.
            String why = Redaction.redact(String.valueOf(e.getMessage()));
            if (why.contains("not authorized") || why.contains("no CredentialsProvider")) {
                why += token == null ? "; set driftless.git.token-file to a file holding an access token"
                        : "; check the token in " + token.file() + " and that it may read the repository";
            }
            throw new GitFetchFailed("cannot fetch " + branch + " from " + redacted() + ": " + why, null);
        }
    }

    @Override
    public synchronized boolean contains(String sha) {
        if (!Files.exists(dir.resolve("HEAD"))) {
            return false;
        }
        try (Git git = Git.open(dir.toFile())) {
            return git.getRepository().getObjectDatabase().has(ObjectId.fromString(sha));
        } catch (IOException | IllegalArgumentException e) {
            return false;
        }
    }

    @Override
    public synchronized boolean contains(String ancestor, String head) {
        try (Git git = Git.open(dir.toFile()); RevWalk walk = new RevWalk(git.getRepository())) {
            return walk.isMergedInto(walk.parseCommit(ObjectId.fromString(ancestor)), walk.parseCommit(ObjectId.fromString(head)));
        } catch (IOException | IllegalArgumentException e) {
            return false; // a deployed commit gone from the mirror is not in the new history either
        }
    }

    @Override
    public List<String> changedPaths(String sha, int limit) {
        List<String> paths = new java.util.ArrayList<>();
        try (Git git = Git.open(dir.toFile()); RevWalk walk = new RevWalk(git.getRepository());
                TreeWalk tree = new TreeWalk(git.getRepository())) {
            RevCommit commit = walk.parseCommit(ObjectId.fromString(sha));
            if (commit.getParentCount() == 0) {
                return List.of();
            }
            tree.addTree(walk.parseCommit(commit.getParent(0)).getTree());
            tree.addTree(commit.getTree());
            tree.setRecursive(true);
            tree.setFilter(org.eclipse.jgit.treewalk.filter.TreeFilter.ANY_DIFF);
            while (paths.size() < limit && tree.next()) {
                paths.add(tree.getPathString());
            }
        } catch (IOException | IllegalArgumentException e) {
            LOG.debugf("cannot list what commit %.12s changes: %s", sha, e.getMessage());
            return List.of();
        }
        return paths;
    }

    @Override
    public java.util.Optional<Snapshot> export(String sha, Path into) throws IOException {
        try (Git git = Git.open(dir.toFile())) {
            return files.export(git.getRepository(), sha, into);
        }
    }

    @Override
    public java.util.Optional<Update> update(String from, String sha, Path into) throws IOException {
        try (Git git = Git.open(dir.toFile())) {
            return files.update(git.getRepository(), from, sha, into);
        }
    }

    @Override
    public Path directory() {
        return dir;
    }

    @Override
    public String flakeRef(String sha) {
        // Nix 2.8 fetches the named ref before it looks for the rev, so both are given.
        return "git+file://" + gitLink() + "?ref=refs/heads/" + branch + "&rev=" + sha;
    }

    /**
     * A directory whose {@code .git} file points at the bare mirror. Nix takes a bare repository
     * for a remote one and clones each commit into its own cache before it evaluates (about 70 ms
     * a commit here); a repository with a {@code .git} is local, and Nix reads the pinned
     * {@code rev} from it directly. The directory has no work tree: with {@code rev} given, Nix
     * exports exactly that commit, as it does from the mirror.
     */
    private Path gitLink() {
        Path link = dir.resolveSibling(dir.getFileName() + ".flake");
        Path gitFile = link.resolve(".git");
        try {
            if (!Files.isRegularFile(gitFile)) {
                Files.createDirectories(link);
                Path temp = Files.createTempFile(link, ".git", ".new");
                Files.writeString(temp, "gitdir: " + dir + "\n");
                Files.move(temp, gitFile, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
            return link;
        } catch (java.io.IOException e) {
            return dir; // the mirror itself evaluates too, only slower
        }
    }

    private Git open() throws IOException, GitAPIException {
        if (Files.exists(dir.resolve("HEAD"))) {
            return Git.open(dir.toFile());
        }
        Files.createDirectories(dir);
        Git git = Git.init().setBare(true).setDirectory(dir.toFile()).setInitialBranch(branch).call();
        try {
            git.remoteAdd().setName("origin").setUri(new URIish(url)).call();
        } catch (java.net.URISyntaxException e) {
            git.close();
            throw new IOException("driftless.git.url is not a Git URL: " + redacted(), e);
        }
        return git;
    }

    private String readToken() throws IOException {
        if (token == null) {
            return null;
        }
        try {
            String value = Files.readString(token.file()).strip();
            Redaction.register(value); // a rotated token is masked from its first use on
            return value.isEmpty() ? null : value;
        } catch (IOException e) {
            throw new IOException("cannot read driftless.git.token-file " + token.file() + " (" + e.getClass().getSimpleName() + ")", e);
        }
    }

    /** The URL without its credentials, safe for logs and errors. */
    String redacted() {
        return Redaction.redact(url);
    }

}
