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
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Optional;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * Evaluates a commit from its tree, put into the Nix store by Driftless. Nix 2.8's git fetcher
 * exports the whole repository ({@code git archive}, unpack, add to the store) for every new
 * commit before it evaluates anything: about 250 ms on a 500-host fleet for a one-line change.
 * Driftless writes the commit's files from its own mirror, adds them with one {@code nix store
 * add-path}, and evaluates {@code path:<store path>} with the tree attributes of the commit (rev,
 * revCount, lastModified, narHash), which Nix lets a pinned tree carry so that it "works the
 * same as the repository from which it is exported": the flake's {@code self} is the same as
 * with Nix's own fetch, store path included, and no git runs. A commit Driftless cannot export
 * exactly (a submodule, a {@code .gitattributes}), any failure here, and an evaluation of the
 * tree that fails, go to Nix's own fetch of the plain reference, whose result counts.
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

    /** Every host's drvPath and the declared hosts of commit {@code sha}. */
    public Nix.Evaluation evaluate(String sha) throws NixFailure {
        String plain = mirror.flakeRef(sha);
        String ref = flakeRef(sha);
        if (ref.equals(plain)) {
            return nix.evaluate(plain);
        }
        try {
            return nix.evaluate(ref);
        } catch (NixFailure e) {
            // Nix's own fetch decides; a broken commit fails there too, with the same error.
            LOG.debugf("commit %.12s: evaluating its tree in the store failed (%s); evaluating the repository's commit", sha, e.getMessage());
            return nix.evaluate(plain);
        }
    }

    /** A reference to the commit's tree in the store, or the plain reference when that cannot be made. */
    String flakeRef(String sha) {
        Path work = null;
        try {
            work = scratch.directory();
            Path tree = work.resolve("source");
            Optional<GitMirror.Snapshot> snapshot;
            try {
                snapshot = mirror.export(sha, tree);
            } catch (IOException e) {
                // Memory full, most likely: the disk under the data directory is slower, but has room.
                delete(work);
                work = Files.createTempDirectory(Files.createDirectories(mirror.directory().resolveSibling("sources")), "source-");
                tree = work.resolve("source");
                snapshot = mirror.export(sha, tree);
            }
            if (snapshot.isEmpty()) {
                LOG.debugf("commit %.12s has a submodule or a .gitattributes: Nix fetches it itself", sha);
                return mirror.flakeRef(sha);
            }
            String narHash = Nar.sha256(tree);
            String storePath = nix.addSource(tree);
            return pinnedTree(storePath, snapshot.get(), narHash);
        } catch (IOException | NixFailure | RuntimeException e) {
            LOG.warnf("commit %.12s: cannot put its tree into the Nix store (%s); Nix fetches it from the mirror instead, which is slower",
                    sha, e.getMessage());
            return mirror.flakeRef(sha);
        } finally {
            delete(work);
        }
    }

    /** A {@code path:} reference to a store path, with the tree attributes of the commit it holds. */
    static String pinnedTree(String storePath, GitMirror.Snapshot snapshot, String narHash) {
        return "path:" + storePath + "?rev=" + snapshot.sha() + "&revCount=" + snapshot.revCount()
                + "&lastModified=" + snapshot.lastModified() + "&narHash=" + URLEncoder.encode(narHash, StandardCharsets.UTF_8);
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
