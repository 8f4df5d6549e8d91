package dev.driftless.event;

/**
 * Channel names. Each stream has an {@code -out} and an {@code -in} side so that the connector
 * between them (in-process by default, Kafka in distributed mode) is chosen by configuration alone.
 */
public final class Channels {

    public static final String COMMITS_OUT = "commits-out";
    public static final String COMMITS_IN = "commits-in";
    public static final String EVALUATIONS_OUT = "evaluations-out";
    public static final String EVALUATIONS_IN = "evaluations-in";
    public static final String BUILD_REQUESTS_OUT = "build-requests-out";
    public static final String BUILD_REQUESTS_IN = "build-requests-in";
    public static final String BUILD_RESULTS_OUT = "build-results-out";
    public static final String BUILD_RESULTS_IN = "build-results-in";

    private Channels() {}
}
