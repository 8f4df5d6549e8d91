package dev.driftless.source;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.eclipse.jgit.diff.DiffEntry;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.treewalk.TreeWalk;
import org.eclipse.jgit.treewalk.filter.TreeFilter;

/**
 * Writes a commit's files as {@code git archive} does (contents, the execute bit, symlinks; no
 * empty directory), either whole or over the files of another commit already written there, when
 * only what differs is written or removed. A submodule or a {@code .gitattributes} stops it:
 * only Nix's own export is exact for those.
 */
final class CommitFiles {

    private static final String EXECUTABLE = "rwxr-xr-x";
    private static final String REGULAR = "rw-r--r--";

    /** Commits counted so far: a commit with one parent counts one more than that parent, without walking the history again. */
    private final Map<ObjectId, Long> revCounts = new ConcurrentHashMap<>();

    Optional<GitMirror.Snapshot> export(Repository repo, String sha, Path into) throws IOException {
        try (RevWalk walk = new RevWalk(repo); TreeWalk tree = new TreeWalk(repo)) {
            RevCommit commit = walk.parseCommit(ObjectId.fromString(sha));
            tree.addTree(commit.getTree());
            tree.setRecursive(true);
            Path root = Files.createDirectories(into.toAbsolutePath().normalize());
            while (tree.next()) {
                FileMode mode = tree.getFileMode(0);
                if (!exportable(mode, tree.getPathString())) {
                    return Optional.empty();
                }
                write(tree.getObjectReader(), root, tree.getPathString(), mode, tree.getObjectId(0));
            }
            return Optional.of(snapshot(walk, commit));
        } catch (IllegalArgumentException e) {
            throw new IOException("not a commit: " + sha, e);
        }
    }

    /**
     * Turns the files of commit {@code from} under {@code into} into those of {@code sha}. Returns the
     * snapshot and the paths it wrote or removed; empty when the new commit cannot be exported.
     */
    Optional<GitMirror.Update> update(Repository repo, String from, String sha, Path into) throws IOException {
        try (RevWalk walk = new RevWalk(repo); TreeWalk tree = new TreeWalk(repo)) {
            RevCommit old = walk.parseCommit(ObjectId.fromString(from));
            RevCommit commit = walk.parseCommit(ObjectId.fromString(sha));
            tree.addTree(old.getTree());
            tree.addTree(commit.getTree());
            tree.setRecursive(true);
            tree.setFilter(TreeFilter.ANY_DIFF);
            List<DiffEntry> diffs = DiffEntry.scan(tree);
            Path root = into.toAbsolutePath().normalize();
            for (DiffEntry diff : diffs) {
                if (diff.getChangeType() != DiffEntry.ChangeType.DELETE && !exportable(diff.getNewMode(), diff.getNewPath())) {
                    return Optional.empty();
                }
            }
            List<String> changed = new ArrayList<>();
            // Removals first, so that a file may take the place of a directory, and the reverse.
            for (DiffEntry diff : diffs) {
                if (diff.getChangeType() != DiffEntry.ChangeType.ADD) {
                    remove(root, diff.getOldPath());
                    changed.add(diff.getOldPath());
                }
            }
            try (ObjectReader reader = repo.newObjectReader()) {
                for (DiffEntry diff : diffs) {
                    if (diff.getChangeType() != DiffEntry.ChangeType.DELETE) {
                        write(reader, root, diff.getNewPath(), diff.getNewMode(), diff.getNewId().toObjectId());
                        changed.add(diff.getNewPath());
                    }
                }
            }
            return Optional.of(new GitMirror.Update(snapshot(walk, commit), changed));
        } catch (IllegalArgumentException e) {
            throw new IOException("not a commit: " + from + " or " + sha, e);
        }
    }

    private static boolean exportable(FileMode mode, String path) {
        return mode != FileMode.GITLINK && !path.equals(".gitattributes") && !path.endsWith("/.gitattributes");
    }

    private static Path inside(Path root, String path) throws IOException {
        Path file = root.resolve(path).normalize();
        if (!file.startsWith(root) || file.equals(root)) {
            throw new IOException("a commit names a path outside its tree: " + path);
        }
        return file;
    }

    private static void write(ObjectReader reader, Path root, String path, FileMode mode, ObjectId blob) throws IOException {
        Path file = inside(root, path);
        Files.createDirectories(file.getParent());
        if (mode == FileMode.SYMLINK) {
            Files.createSymbolicLink(file, Path.of(new String(reader.open(blob).getBytes(), StandardCharsets.UTF_8)));
            return;
        }
        try (OutputStream out = Files.newOutputStream(file)) {
            reader.open(blob).copyTo(out);
        }
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(mode == FileMode.EXECUTABLE_FILE ? EXECUTABLE : REGULAR));
    }

    /** Removes a path and then every directory it leaves empty: git keeps no empty directory, so neither does its export. */
    private static void remove(Path root, String path) throws IOException {
        Path file = inside(root, path);
        if (Files.isDirectory(file, LinkOption.NOFOLLOW_LINKS)) {
            try (Stream<Path> paths = Files.walk(file)) {
                for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        } else {
            Files.deleteIfExists(file);
        }
        for (Path dir = file.getParent(); !dir.equals(root) && isEmptyDirectory(dir); dir = dir.getParent()) {
            Files.delete(dir);
        }
    }

    private static boolean isEmptyDirectory(Path dir) throws IOException {
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.findAny().isEmpty();
        }
    }

    private GitMirror.Snapshot snapshot(RevWalk walk, RevCommit commit) throws IOException {
        return new GitMirror.Snapshot(commit.getName(), commit.getCommitTime(), revCount(walk, commit));
    }

    /** What Nix's {@code self.revCount} is: the number of commits in the history of {@code commit}, itself included. */
    private long revCount(RevWalk walk, RevCommit commit) throws IOException {
        Long known = revCounts.get(commit);
        if (known != null) {
            return known;
        }
        Long parent = commit.getParentCount() == 1 ? revCounts.get(commit.getParent(0)) : null;
        long count = 0;
        if (parent != null) {
            count = parent + 1;
        } else {
            walk.reset();
            walk.setRetainBody(false);
            walk.markStart(walk.parseCommit(commit));
            while (walk.next() != null) {
                count++;
            }
        }
        revCounts.put(commit.copy(), count);
        return count;
    }
}
