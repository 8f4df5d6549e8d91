package dev.driftless.event;

import dev.driftless.inventory.DeclaredHosts;
import java.util.Map;

/** The outcome of evaluating one commit's {@code nixosConfigurations}. */
public sealed interface EvaluationResult {

    String sha();

    /**
     * Every host's toplevel {@code drvPath} at that commit, and the hosts its flake declares (null
     * from a worker older than inventories: then none are declared).
     */
    record Evaluated(String sha, Map<String, String> drvPaths, DeclaredHosts inventory) implements EvaluationResult {

        public DeclaredHosts declared() {
            return inventory == null ? DeclaredHosts.NOTHING.withConfigurations(drvPaths.keySet()) : inventory;
        }
    }

    /** The commit does not evaluate; final for that commit. */
    record Failed(String sha, String error) implements EvaluationResult {}
}
