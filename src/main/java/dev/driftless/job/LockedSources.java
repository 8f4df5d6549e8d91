package dev.driftless.job;

import dev.driftless.nix.Nix;
import dev.driftless.nix.NixFailure;
import dev.driftless.source.GitMirror;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileTime;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * Evaluates a commit from its files written by Driftless. Nix 2.8's git fetcher exports the
 * whole repository ({@code git archive}, unpack into the temporary directory, add to the store)
 * for every new commit before it evaluates anything: about 250 ms on a 500-host fleet for a
 * one-line change here, most of it creating files on disk. Driftless writes the commit's files
 * from its own mirror into memory ({@code /dev/shm}) and evaluates
 * {@code path:<that directory>} with the tree attributes of the commit (rev, revCount,
 * lastModified), which Nix lets a pinned tree carry so that it "works the same as the
 * repository from which it is exported". Nix adds the files to the store under the same store
 * path as its own fetch, and the flake's {@code self} is the same as with that fetch; no git runs.
 * Better still, Driftless adds the files to the store itself first ({@link Nix#addSource}) and
 * names their {@code narHash}: Nix then takes the store's copy and reads nothing, which on a
 * 500-host fleet saves it ~25 ms of its own copying before the first host is evaluated.
 *
 * <p>The files stay between commits: the next commit is written over them, only the paths it
 * changes (a one-line commit on a 500-host fleet: ~2 files instead of ~500). Before it reuses them, Driftless checks
 * that none changed since it wrote them (each path's change time); if one did, or the commit is
 * dated before them, the commit is written whole. A commit Driftless cannot export exactly
 * (a submodule, a {@code .gitattributes}), any failure here, and an evaluation of the tree that
 * fails, go to Nix's own fetch of the plain reference, whose result counts; the kept files are
 * then dropped and the next commit is written whole. A full /dev/shm sends the files to the
 * data directory's disk.
 */
@ApplicationScoped
public class LockedSources {

    private static final Logger LOG = Logger.getLogger(LockedSources.class);

    private final GitMirror mirror;
    private final Nix nix;
    private final Scratch scratch = new Scratch(Path.of("/dev/shm"));
    /** The files of the last commit evaluated from them, taken by the next evaluation (one at a time; another writes its own). */
    private final AtomicReference<Written> kept = new AtomicReference<>();

    /** A commit's files under {@code work}/source, with the change time (ctime) of each path as Driftless left it. */
    record Written(Path work, GitMirror.Snapshot snapshot, Map<Path, FileTime> changed) {
        Path tree() {
            return work.resolve("source");
        }
    }

    LockedSources(GitMirror mirror, Nix nix) {
        this.mirror = mirror;
        this.nix = nix;
    }

    /** Every host's drvPath and the declared hosts of commit {@code sha}; {@code progress} as in {@link Nix#evaluate}. */
    public Nix.Evaluation evaluate(String sha, Nix.Progress progress) throws NixFailure {
        String plain = mirror.flakeRef(sha);
        nix.warmUp(); // nix starts while the files are written
        Written written = write(sha);
        if (written == null) {
            return nix.evaluate(plain, progress);
        }
        boolean keep = false;
        try {
            String narHash = nix.addSource(written.tree()).orElse(null);
            Nix.Evaluation evaluation = nix.evaluate(pinnedTree(written.tree().toString(), written.snapshot(), narHash), progress);
            keep = true;
            return evaluation;
        } catch (NixFailure e) {
            if (Thread.currentThread().isInterrupted()) {
                throw e; // stopped, not broken: nothing to ask Nix's own fetch
            }
            // Nix's own fetch decides; a broken commit fails there too, with the same error.
            LOG.debugf("commit %.12s: evaluating its exported files failed (%s); evaluating the repository's commit", sha,
                    e.getMessage());
            return nix.evaluate(plain, progress);
        } finally {
            if (keep) {
                delete(work(kept.getAndSet(written)));
            } else {
                delete(written.work());
            }
        }
    }

    /** Removes the kept files: they are in memory. */
    @PreDestroy
    void close() {
        delete(work(kept.getAndSet(null)));
    }

    /** The commit's files: the kept ones brought to it, else written whole; null when Nix must export it itself. */
    private Written write(String sha) {
        Written last = kept.getAndSet(null);
        if (last != null && !untouched(last)) {
            delete(last.work());
            last = null;
        }
        if (last != null) {
            try {
                Optional<GitMirror.Update> update = mirror.update(last.snapshot().sha(), sha, last.tree());
                if (update.isEmpty()) {
                    LOG.debugf("commit %.12s has a submodule or a .gitattributes: Nix fetches it itself", sha);
                    delete(last.work());
                    return null;
                }
                GitMirror.Snapshot snapshot = update.get().snapshot();
                if (snapshot.lastModified() >= last.snapshot().lastModified()) {
                    stamp(last.tree(), update.get().changed(), snapshot.lastModified(), last.changed());
                    return new Written(last.work(), snapshot, last.changed());
                }
                // Dated before the kept files: their times would all have to go back, which would also hide a change made to them.
                delete(last.work());
            } catch (IOException | RuntimeException e) {
                LOG.debugf("commit %.12s: cannot write it over the kept files (%s); writing it whole", sha, e.getMessage());
                delete(last.work());
            }
        }
        Path work = null;
        try {
            work = scratch.directory();
            return exported(sha, work);
        } catch (IOException inMemory) {
            // Memory full, most likely: the disk under the data directory is slower, but has room.
            delete(work);
            work = null;
            try {
                work = Files.createTempDirectory(Files.createDirectories(mirror.directory().resolveSibling("sources")), "source-");
                return exported(sha, work);
            } catch (IOException | RuntimeException e) {
                LOG.warnf("commit %.12s: cannot write its files (%s); Nix fetches it from the mirror instead, which is slower", sha,
                        e.getMessage());
            }
        } catch (RuntimeException e) {
            LOG.warnf("commit %.12s: cannot write its files (%s); Nix fetches it from the mirror instead, which is slower", sha,
                    e.getMessage());
        }
        delete(work);
        return null;
    }

    /** Writes the commit's files under {@code work}/source; null when Nix must export it itself. */
    private Written exported(String sha, Path work) throws IOException {
        Path tree = work.resolve("source");
        Optional<GitMirror.Snapshot> snapshot = mirror.export(sha, tree);
        if (snapshot.isEmpty()) {
            LOG.debugf("commit %.12s has a submodule or a .gitattributes: Nix fetches it itself", sha);
            delete(work);
            return null;
        }
        stamp(tree, snapshot.get().lastModified());
        Map<Path, FileTime> changed = new HashMap<>();
        try (Stream<Path> paths = Files.walk(tree)) {
            for (Path path : paths.toList()) {
                changed.put(path, changeTime(path));
            }
        }
        return new Written(work, snapshot.get(), changed);
    }

    /**
     * A {@code path:} reference to a tree, with the attributes of the commit it holds, and its
     * {@code narHash} when the tree is in the store already (null when not): Nix then takes the
     * store's copy without reading the files ({@link Nix#addSource}).
     */
    static String pinnedTree(String path, GitMirror.Snapshot snapshot, String narHash) {
        return "path:" + path + "?rev=" + snapshot.sha() + "&revCount=" + snapshot.revCount() + "&lastModified=" + snapshot.lastModified()
                + (narHash == null ? "" : "&narHash=" + java.net.URLEncoder.encode(narHash, java.nio.charset.StandardCharsets.UTF_8));
    }

    /**
     * Gives every file, link and directory the commit's time, as {@code git archive} does: Nix
     * takes the newest modification time under a path as its lastModified and refuses a
     * reference that names another.
     */
    static void stamp(Path tree, long epochSeconds) throws IOException {
        List<Path> paths;
        try (Stream<Path> walk = Files.walk(tree)) {
            paths = walk.sorted(Comparator.reverseOrder()).toList(); // children before the directory that holds them
        }
        setTimes(paths, epochSeconds);
    }

    /**
     * Gives the changed paths that exist, and every directory above a changed path, the commit's
     * time; the rest keep an older one. The newest time under the tree is then the commit's, as Nix wants.
     */
    static void stamp(Path tree, List<String> changed, long epochSeconds, Map<Path, FileTime> changeTimes) throws IOException {
        Set<Path> paths = new TreeSet<>(Comparator.reverseOrder()); // children before the directory that holds them
        paths.add(tree);
        for (String path : changed) {
            for (Path p = tree.resolve(path); p.startsWith(tree) && !p.equals(tree); p = p.getParent()) {
                if (Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
                    paths.add(p);
                } else {
                    changeTimes.remove(p);
                }
            }
        }
        setTimes(paths, epochSeconds);
        for (Path path : paths) {
            changeTimes.put(path, changeTime(path));
        }
    }

    /**
     * True when no kept path changed since Driftless wrote it. Any write, chmod, rename, or time set
     * there moves a path's change time, which no one can set back; an added or removed entry moves
     * its directory's. Whoever changed the files, the next commit is written whole.
     */
    private static boolean untouched(Written kept) {
        try {
            for (Map.Entry<Path, FileTime> path : kept.changed().entrySet()) {
                if (!changeTime(path.getKey()).equals(path.getValue())) {
                    LOG.warnf("%s changed after Driftless wrote it for commit %.12s; the next commit is written whole. Driftless's files"
                            + " in %s are its own: change the repository instead", path.getKey(), kept.snapshot().sha(), kept.work().getParent());
                    return false;
                }
            }
            return true;
        } catch (IOException | RuntimeException e) {
            LOG.warnf("a file Driftless wrote for commit %.12s is gone (%s); the next commit is written whole", kept.snapshot().sha(),
                    e.getMessage());
            return false;
        }
    }

    private static FileTime changeTime(Path path) throws IOException {
        return (FileTime) Files.getAttribute(path, "unix:ctime", LinkOption.NOFOLLOW_LINKS);
    }

    private static void setTimes(Collection<Path> paths, long epochSeconds) throws IOException {
        FileTime time = FileTime.fromMillis(epochSeconds * 1000);
        for (Path path : paths) {
            Files.getFileAttributeView(path, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS).setTimes(time, null, null);
        }
    }

    private static Path work(Written written) {
        return written == null ? null : written.work();
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
