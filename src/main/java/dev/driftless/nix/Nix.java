package dev.driftless.nix;

import java.util.Collection;
import java.util.Map;

/** The {@code nix} operations the workers need. Implementations must be safe to call concurrently. */
public interface Nix {

    /**
     * Every {@code nixosConfigurations} host's toplevel drvPath at exactly this commit, and the
     * hosts its flake declares. The hosts {@code progress} names first (those that exist) are
     * evaluated before the others, and each host's drvPath reaches {@code progress} the moment it
     * is known, long before a large fleet's evaluation ends.
     */
    Evaluation evaluate(String flakeRef, Progress progress) throws NixFailure;

    /** What an evaluation is asked to do first, and who hears of each host as it is evaluated. */
    record Progress(java.util.List<String> first, java.util.function.BiConsumer<String, String> found) {
        public static final Progress NONE = new Progress(java.util.List.of(), (host, drvPath) -> {});

        public Progress {
            first = java.util.List.copyOf(first);
        }
    }

    record Evaluation(Map<String, String> drvPaths, dev.driftless.inventory.DeclaredHosts declared) {}

    /**
     * Builds (or finds) the toplevels of a batch of hosts (host to drvPath) in one {@code nix
     * build}, signs their closures, hands them to the cache if one is set, and returns each host's
     * out path. {@link BuildFailed} names the hosts whose toplevel did not build.
     */
    Map<String, String> build(Map<String, String> drvPaths) throws NixFailure;

    /**
     * Builds derivations into this process's store and signs their closures, nothing else (no
     * cache, no result): work done ahead of {@link #build}, which then finds it done.
     */
    void realise(Collection<String> drvPaths) throws NixFailure;

    /** Makes closures a worker built valid in this process's store, from the cache if one is set. */
    void fetch(Collection<String> outPaths) throws NixFailure;

    /**
     * Adds a flake's files to this process's store ahead of its evaluation, the way Nix's own
     * {@code path:} fetch would add them (named {@code source}, by content), and returns their NAR
     * hash in SRI form: a reference with that {@code narHash} is then evaluated from the store
     * without Nix reading the files. Empty when they were not added; Nix then reads them itself.
     */
    default java.util.Optional<String> addSource(java.nio.file.Path tree) {
        return java.util.Optional.empty();
    }

    /** Gets ready for the next {@link #evaluate}, which is about to come: its start overlaps what the caller does first. */
    default void warmUp() {}

    /** Some toplevels of a batch did not build; the others did. */
    final class BuildFailed extends NixFailure {

        private final java.util.List<String> hosts;

        public BuildFailed(java.util.List<String> hosts, String message) {
            super(message);
            this.hosts = java.util.List.copyOf(hosts);
        }

        /** The hosts whose toplevel did not build, in name order. */
        public java.util.List<String> hosts() {
            return hosts;
        }
    }
}
