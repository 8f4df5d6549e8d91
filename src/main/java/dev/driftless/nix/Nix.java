package dev.driftless.nix;

import java.util.Collection;
import java.util.Map;

/** The {@code nix} operations the workers need. Implementations must be safe to call concurrently. */
public interface Nix {

    /** Every {@code nixosConfigurations} host's toplevel drvPath at exactly this commit, and the hosts its flake declares. */
    Evaluation evaluate(String flakeRef) throws NixFailure;

    record Evaluation(Map<String, String> drvPaths, dev.driftless.inventory.DeclaredHosts declared) {}

    /**
     * Builds (or finds) the toplevels of a batch of hosts (host to drvPath) in one {@code nix
     * build}, signs their closures, hands them to the cache if one is set, and returns each host's
     * out path. {@link BuildFailed} names the hosts whose toplevel did not build.
     */
    Map<String, String> build(Map<String, String> drvPaths) throws NixFailure;

    /** Makes closures a worker built valid in this process's store, from the cache if one is set. */
    void fetch(Collection<String> outPaths) throws NixFailure;

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
