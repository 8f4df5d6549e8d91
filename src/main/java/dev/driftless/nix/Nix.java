package dev.driftless.nix;

import java.util.Map;

/** The {@code nix} operations the workers need. Implementations must be safe to call concurrently. */
public interface Nix {

    /** Every {@code nixosConfigurations} host's toplevel drvPath at exactly this commit. */
    Map<String, String> evaluate(String flakeRef) throws NixFailure;

    /** Builds (or finds) the toplevel, signs its closure, hands it to the cache if one is set, and returns its out path. */
    String build(String drvPath) throws NixFailure;

    /** Makes a closure a worker built valid in this process's store, from the cache if one is set. */
    void fetch(String outPath) throws NixFailure;
}
