package dev.driftless.event;

import java.util.Map;

/**
 * Build these hosts' toplevels for one commit, in one {@code nix build}: Nix schedules the
 * derivations they share once, and the worker signs the whole batch in one call.
 * {@code drvPaths}: host name to toplevel drvPath.
 */
public record BuildRequest(String sha, Map<String, String> drvPaths) {

    public BuildRequest {
        drvPaths = Map.copyOf(drvPaths);
    }

    /** What names the batch in logs and Kafka keys: its first host, in name order. */
    public String firstHost() {
        return drvPaths.keySet().stream().sorted().findFirst().orElse("");
    }
}
