package dev.driftless.event;

import java.util.Map;

/** The outcome of evaluating one commit's {@code nixosConfigurations}. */
public sealed interface EvaluationResult {

    String sha();

    /** Every host's toplevel {@code drvPath} at that commit. */
    record Evaluated(String sha, Map<String, String> drvPaths) implements EvaluationResult {}

    /** The commit does not evaluate; final for that commit. */
    record Failed(String sha, String error) implements EvaluationResult {}
}
