package dev.driftless.metrics;

/**
 * Every metric Driftless exports, as Micrometer names; Prometheus shows them with dots as
 * underscores, {@code _total} on counters and {@code _seconds} on timers. Labels never carry a
 * commit or a store path, which would grow without bound.
 */
public final class MetricNames {

    public static final String HOST_IN_SYNC = "driftless.host.in.sync";
    public static final String HOST_STATE = "driftless.host.state";
    public static final String HOST_DRIFT = "driftless.host.drift";
    /** Per host and deep drift check: 1 drifting, 0 clean, NaN not known (not checked yet, or the host cannot tell). */
    public static final String HOST_DRIFT_CHECK = "driftless.host.drift.check";
    public static final String HOST_GENERATION = "driftless.host.generation";
    /** 1 while the host runs a kernel, initrd or kernel modules other than those it booted. */
    public static final String HOST_REBOOT_REQUIRED = "driftless.host.reboot.required";
    public static final String DEPLOYMENTS = "driftless.deployments";
    public static final String DEPLOYMENT_DURATION = "driftless.deployment.duration";
    public static final String INCIDENTS = "driftless.incidents";
    public static final String RECOVERY = "driftless.recovery";
    public static final String LEAD_TIME = "driftless.lead.time";
    public static final String EVALUATIONS = "driftless.evaluations";
    public static final String EVALUATION_DURATION = "driftless.evaluation.duration";
    public static final String BUILDS = "driftless.builds";
    public static final String BUILD_DURATION = "driftless.build.duration";
    /** One step on a host (observe, copy, profile, switch, checks, guard, confirm), by step: where a deploy's time goes. */
    public static final String HOST_STEP_DURATION = "driftless.host.step.duration";
    public static final String RESYNC_DURATION = "driftless.resync.duration";
    public static final String GIT_FETCH = "driftless.git.fetch";
    public static final String GIT_FETCH_DURATION = "driftless.git.fetch.duration";
    public static final String WEBHOOK_REQUESTS = "driftless.webhook.requests";
    /** Distributed mode: records moved to the dead-letter topic, by the topic they came from. */
    public static final String DEAD_LETTERS = "driftless.dead.letters";
    /** Heads not deployed, by {@code reason}: {@code force-push} or {@code unverified}. */
    public static final String GIT_COMMITS_REFUSED = "driftless.git.commits.refused";
    public static final String GIT_LAST_COMMIT = "driftless.git.last.commit.timestamp";
    /** Hosts this controller reconciles: all of them standalone, its share when several controllers share a fleet. */
    public static final String CONTROLLER_HOSTS = "driftless.controller.hosts";
    /** 1 on the controller that follows Git and coordinates rollouts, 0 on the others. */
    public static final String CONTROLLER_LEADER = "driftless.controller.leader";

    /**
     * Work that could not be processed or stored, by {@code stage}: {@code commit},
     * {@code evaluation}, {@code build}, {@code reconcile}. Each also fails its commit or host visibly.
     */
    public static final String PROCESSING_FAILURES = "driftless.processing.failures";

    /** Open event streams ({@code GET /api/v1/events}). */
    public static final String EVENT_SUBSCRIBERS = "driftless.event.subscribers";
    /** Event stream subscribers dropped because they fell a whole buffer behind. */
    public static final String EVENT_SUBSCRIBERS_DROPPED = "driftless.event.subscribers.dropped";

    private MetricNames() {}
}
