package dev.driftless.source;

/** A local copy of the fleet repository that follows one branch. */
public interface GitMirror {

    /** Fetches the branch and returns its head. */
    Head fetch() throws GitFetchFailed;

    /** True when the mirror holds {@code sha}; a worker fetches before it evaluates a commit it lacks. */
    boolean contains(String sha);

    /** True when {@code ancestor} is {@code head} or in its history; false when either is unknown. */
    boolean contains(String ancestor, String head);

    /** The bare repository on disk, for tools that read it directly. */
    java.nio.file.Path directory();

    /** A flake reference that evaluates exactly {@code sha}, never a working tree that may have moved on. */
    String flakeRef(String sha);

    /**
     * Writes the files of commit {@code sha} under {@code into} as Nix's git fetcher exports them
     * ({@code git archive}: contents, execute bits, symlinks), and returns what Nix records of the
     * commit. Empty when only Nix's own export is exact for it: a submodule, or a
     * {@code .gitattributes} (whose export-ignore and export-subst {@code git archive} applies).
     */
    java.util.Optional<Snapshot> export(String sha, java.nio.file.Path into) throws java.io.IOException;

    /**
     * Turns the files of commit {@code from}, written under {@code into} by {@link #export} or an
     * earlier update, into those of {@code sha}: only the paths that differ are written or removed.
     * Empty, as for export, when {@code sha} holds a submodule or a {@code .gitattributes}; the
     * files under {@code into} are then neither of the two commits.
     */
    java.util.Optional<Update> update(String from, String sha, java.nio.file.Path into) throws java.io.IOException;

    /**
     * At most {@code limit} paths that commit {@code sha} changes against its first parent; empty
     * for a first commit or one the mirror cannot read. A hint for what to do first, never a
     * decision: a changed file may affect any host.
     */
    java.util.List<String> changedPaths(String sha, int limit);

    /** What a flake sees of its commit besides the files: {@code self.lastModified} and {@code self.revCount}. */
    record Snapshot(String sha, long lastModified, long revCount) {}

    /** A commit written over another: its snapshot, and the paths (relative to the tree) written or removed. */
    record Update(Snapshot snapshot, java.util.List<String> changed) {}

    /** The branch head after a fetch. */
    record Head(String sha, String message, String author, java.time.Instant committedAt) {}
}
