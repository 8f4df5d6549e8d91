package dev.driftless.job;

import dev.driftless.nix.Nar;
import dev.driftless.nix.Nix;
import dev.driftless.nix.NixFailure;
import dev.driftless.source.GitMirror;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileTime;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * Evaluates a commit from its files written by Driftless. Nix 2.8's git fetcher exports the
 * whole repository ({@code git archive}, unpack into the temporary directory, add to the store)
 * for every new commit before it evaluates anything: about 250 ms on a 500-host fleet for a
 * one-line change here, most of it creating files on disk. Driftless writes the commit's files
 * from its own mirror into memory ({@code /dev/shm}) and evaluates
 * {@code path:<that directory>} with the tree attributes of the commit (rev, revCount,
 * lastModified, narHash), which Nix lets a pinned tree carry so that it "works the same as the
 * repository from which it is exported". Nix adds the files to the store under the same store
 * path as its own fetch, checks the NAR hash, and the flake's {@code self} is the same as with
 * that fetch; no git runs. A commit Driftless cannot export exactly (a submodule, a
 * {@code .gitattributes}), any failure here, and an evaluation of the tree that fails, go to
 * Nix's own fetch of the plain reference, whose result counts. A full /dev/shm sends the files
 * to the data directory's disk.
 */
@ApplicationScoped
public class LockedSources {

    private static final Logger LOG = Logger.getLogger(LockedSources.class);

    private final GitMirror mirror;
    private final Nix nix;
    private final Scratch scratch = new Scratch(Path.of("/dev/shm"));

    LockedSources(GitMirror mirror, Nix nix) {
        this.mirror = mirror;
        this.nix = nix;
    }

    /** Every host's drvPath and the declared hosts of commit {@code sha}; {@code progress} as in {@link Nix#evaluate}. */
    public Nix.Evaluation evaluate(String sha, Nix.Progress progress) throws NixFailure {
        String plain = mirror.flakeRef(sha);
        Path work = null;
        try {
            String ref = plain;
            try {
                work = scratch.directory();
                ref = pinnedTree(sha, work).orElse(plain);
            } catch (IOException inMemory) {
                // Memory full, most likely: the disk under the data directory is slower, but has room.
                delete(work);
                work = null;
                try {
                    work = Files.createTempDirectory(Files.createDirectories(mirror.directory().resolveSibling("sources")), "source-");
                    ref = pinnedTree(sha, work).orElse(plain);
                } catch (IOException | RuntimeException e) {
                    LOG.warnf("commit %.12s: cannot write its files (%s); Nix fetches it from the mirror instead, which is slower", sha,
                            e.getMessage());
                }
            } catch (RuntimeException e) {
                LOG.warnf("commit %.12s: cannot write its files (%s); Nix fetches it from the mirror instead, which is slower", sha,
                        e.getMessage());
            }
            if (ref.equals(plain)) {
                return nix.evaluate(plain, progress);
            }
            try {
                return nix.evaluate(ref, progress);
            } catch (NixFailure e) {
                // Nix's own fetch decides; a broken commit fails there too, with the same error.
                LOG.debugf("commit %.12s: evaluating its exported files failed (%s); evaluating the repository's commit", sha,
                        e.getMessage());
                return nix.evaluate(plain, progress);
            }
        } finally {
            delete(work);
        }
    }

    /** Writes the commit's files under {@code work}/source and returns the reference to them; empty when Nix must export it itself. */
    private Optional<String> pinnedTree(String sha, Path work) throws IOException {
        Path tree = work.resolve("source");
        Optional<GitMirror.Snapshot> snapshot = mirror.export(sha, tree);
        if (snapshot.isEmpty()) {
            LOG.debugf("commit %.12s has a submodule or a .gitattributes: Nix fetches it itself", sha);
            return Optional.empty();
        }
        stamp(tree, snapshot.get().lastModified());
        return Optional.of(pinnedTree(tree.toString(), snapshot.get(), Nar.sha256(tree)));
    }

    /** A {@code path:} reference to a tree, with the attributes of the commit it holds. */
    static String pinnedTree(String path, GitMirror.Snapshot snapshot, String narHash) {
        return "path:" + path + "?rev=" + snapshot.sha() + "&revCount=" + snapshot.revCount()
                + "&lastModified=" + snapshot.lastModified() + "&narHash=" + URLEncoder.encode(narHash, StandardCharsets.UTF_8);
    }

    /**
     * Gives every file, link and directory the commit's time, as {@code git archive} does: Nix
     * takes the newest modification time under a path as its lastModified and refuses a
     * reference that names another.
     */
    static void stamp(Path tree, long epochSeconds) throws IOException {
        FileTime time = FileTime.fromMillis(epochSeconds * 1000);
        List<Path> paths;
        try (Stream<Path> walk = Files.walk(tree)) {
            paths = walk.sorted(Comparator.reverseOrder()).toList(); // children before the directory that holds them
        }
        for (Path path : paths) {
            Files.getFileAttributeView(path, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS).setTimes(time, null, null);
        }
    }

    static void delete(Path dir) {
        if (dir == null) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            LOG.debugf("cannot remove %s: %s", dir, e.getMessage());
        }
    }
}
