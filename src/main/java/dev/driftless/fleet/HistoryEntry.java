package dev.driftless.fleet;

import java.time.Instant;

/** One line of a host's history: a deployment, a rollback, a drift noticed, a state change. */
public record HistoryEntry(Instant at, String kind, String commit, String path, Integer generation, String state,
        String cause, String message) {

    public static final String DEPLOYED = "deployed";
    public static final String DEPLOY_FAILED = "deploy-failed";
    public static final String ROLLED_BACK = "rolled-back";
    public static final String ROLLBACK_FAILED = "rollback-failed";
    public static final String MANUAL_ROLLBACK = "manual-rollback";
    public static final String DRIFT = "drift-detected";
    public static final String STATE = "state-changed";
    /** The host came under management: a commit's inventory declared it. */
    public static final String MANAGED = "managed";
    /** A commit's inventory no longer declares the host: it is left as it is, not deployed to. */
    public static final String UNMANAGED = "unmanaged";
    public static final String[] DEPLOYMENT_KINDS = {DEPLOYED, DEPLOY_FAILED, ROLLED_BACK, ROLLBACK_FAILED};
}
