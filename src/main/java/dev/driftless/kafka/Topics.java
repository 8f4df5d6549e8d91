package dev.driftless.kafka;

import java.util.List;

/** The Kafka topics of distributed mode; {@code docs/events.md} documents each record. */
public final class Topics {

    public static final String COMMITS = "driftless.commits";
    public static final String EVALUATIONS = "driftless.evaluations";
    public static final String BUILD_REQUESTS = "driftless.build-requests";
    public static final String BUILD_RESULTS = "driftless.build-results";
    /** Every host event, keyed by host, so one host's events stay in order. */
    public static final String HOST_EVENTS = "driftless.host-events";
    /** Records that could not be handled, with the reason in their headers. */
    public static final String DEAD_LETTER = "driftless.dead-letter";

    /** One partition, no records: the controller that holds it in the controllers' group leads rollouts. */
    public static final String CONTROLLER_LEASE = "driftless.controller-lease";
    /** No records: each partition held in the controllers' group is the share of hosts that hash to it. */
    public static final String HOST_OWNERS = "driftless.host-owners";

    /** Compacted: the latest record per commit. */
    public static final String STATE_COMMITS = "driftless.state.commits";
    /** Compacted: each host's desired generation, keyed by host. */
    public static final String STATE_DESIRED = "driftless.state.desired";
    /** Compacted: the latest record per incident. */
    public static final String STATE_INCIDENTS = "driftless.state.incidents";
    /** Compacted: each host's durable record (last applied, last attempt, quarantine, hold), keyed by host. */
    public static final String STATE_HOSTS = "driftless.state.hosts";
    /** Each host's history, keyed by host, kept by time like any log. */
    public static final String STATE_HISTORY = "driftless.state.history";

    public static final List<String> STREAMS = List.of(COMMITS, EVALUATIONS, BUILD_REQUESTS, BUILD_RESULTS, HOST_EVENTS,
            DEAD_LETTER, STATE_HISTORY);
    public static final List<String> COMPACTED = List.of(STATE_COMMITS, STATE_DESIRED, STATE_INCIDENTS, STATE_HOSTS);
    /** Replayed in this order on start, so that what refers to a commit finds it. */
    public static final List<String> STATE = List.of(STATE_COMMITS, STATE_DESIRED, STATE_INCIDENTS, STATE_HOSTS, STATE_HISTORY);

    private Topics() {}
}
