package dev.driftless.metrics;

import static dev.driftless.metrics.MetricNames.*;

import dev.driftless.host.HostState;
import dev.driftless.host.HostStatus;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Supplier;

/** Records Driftless's figures in Micrometer; the only class that knows metric names and labels. */
@ApplicationScoped
public class DriftlessMetrics {

    /** Histogram buckets from seconds to a day: deploys, recoveries and lead times all fit. */
    private static final Duration[] HUMAN_BUCKETS = {Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofSeconds(15),
            Duration.ofSeconds(30), Duration.ofMinutes(1), Duration.ofMinutes(5), Duration.ofMinutes(15), Duration.ofMinutes(30),
            Duration.ofHours(1), Duration.ofHours(4), Duration.ofHours(12), Duration.ofDays(1)};

    private static final List<String> WEBHOOK_RESULTS = List.of("accepted", "ignored", "duplicate", "ping", "unauthorized",
            "malformed", "too_large", "disabled");

    private final MeterRegistry registry;
    private final AtomicLong lastCommitEpoch = new AtomicLong();

    DriftlessMetrics(MeterRegistry registry) {
        this.registry = registry;
        register(Gauge.builder(GIT_LAST_COMMIT, lastCommitEpoch::get).baseUnit("seconds")
                .description("Commit time of the newest head fetched"), GIT_LAST_COMMIT);
        // Every series exists from the start at zero, so rates, alerts and dashboards see 0, not nothing.
        for (String result : List.of("success", "failure")) {
            registry.counter(EVALUATIONS, "result", result);
            registry.counter(BUILDS, "result", result);
            registry.counter(GIT_FETCH, "result", result);
            Timer.builder(EVALUATION_DURATION).tags("result", result).register(registry);
            Timer.builder(BUILD_DURATION).tags("result", result).register(registry);
            Timer.builder(GIT_FETCH_DURATION).tags("result", result).register(registry);
        }
        for (String result : DEPLOYMENT_RESULTS) {
            deploymentTimer(result);
        }
        HOST_STEPS.forEach(this::stepTimer);
        Timer.builder(RESYNC_DURATION).register(registry);
        for (String topic : List.of("driftless.commits", "driftless.evaluations", "driftless.build-requests", "driftless.build-results")) {
            registry.counter(DEAD_LETTERS, "topic", topic);
        }
        for (String provider : List.of("github", "gitea", "gitlab", "generic")) {
            for (String result : WEBHOOK_RESULTS) {
                registry.counter(WEBHOOK_REQUESTS, "provider", provider, "result", result);
            }
        }
        registry.counter(GIT_COMMITS_REFUSED, "reason", "force-push");
        registry.counter(GIT_COMMITS_REFUSED, "reason", "unverified");
        STAGES.forEach(stage -> registry.counter(PROCESSING_FAILURES, "stage", stage));
        registry.counter(EVENT_SUBSCRIBERS_DROPPED);
        recoveryTimer();
        leadTimeTimer();
    }

    public static final List<String> STAGES = List.of("commit", "evaluation", "build", "reconcile");
    private static final List<String> DEPLOYMENT_RESULTS = List.of("succeeded", "failed", "rolled_back", "rollback_failed");
    private static final List<String> INCIDENT_CAUSES = List.of("out-of-band", "failed-deploy", "lost-connectivity", "unreachable");

    private Timer deploymentTimer(String result) {
        return Timer.builder(DEPLOYMENT_DURATION).tags("result", result).serviceLevelObjectives(HUMAN_BUCKETS).register(registry);
    }

    private Timer recoveryTimer() {
        return Timer.builder(RECOVERY).description("Incident open to host InSync again")
                .serviceLevelObjectives(HUMAN_BUCKETS).register(registry);
    }

    private Timer leadTimeTimer() {
        return Timer.builder(LEAD_TIME).description("Commit time to host InSync on that commit")
                .serviceLevelObjectives(HUMAN_BUCKETS).register(registry);
    }

    /** How many hosts this controller reconciles, and whether it leads rollouts. */
    public void bindController(Supplier<Number> hosts, Supplier<Boolean> leader) {
        register(Gauge.builder(CONTROLLER_HOSTS, hosts).description("Hosts this controller reconciles"), CONTROLLER_HOSTS);
        register(Gauge.builder(CONTROLLER_LEADER, () -> leader.get() ? 1 : 0)
                .description("1 on the controller that follows Git and coordinates rollouts"), CONTROLLER_LEADER);
    }

    /**
     * Exposes one host's gauges, read from its current status whenever Prometheus scrapes. Only
     * the controller that reconciles a host exposes them, so that several controllers sharing a
     * fleet never report a host twice.
     */
    public void bindHost(String host, Supplier<HostStatus> status) {
        gauge(HOST_IN_SYNC, host, status, s -> s.state() == HostState.IN_SYNC ? 1 : 0, null);
        gauge(HOST_GENERATION, host, status, s -> s.actual() == null ? 0 : s.actual().generation(), null);
        gauge(HOST_REBOOT_REQUIRED, host, status, s -> s.rebootRequired() ? 1 : 0, null);
        gauge(HOST_DRIFT, host, status, s -> s.driftSince() == null ? 0
                : Duration.between(s.driftSince(), Instant.now()).toMillis() / 1000.0, "seconds");
        DEPLOYMENT_RESULTS.forEach(result -> registry.counter(DEPLOYMENTS, "host", host, "result", result));
        INCIDENT_CAUSES.forEach(cause -> registry.counter(INCIDENTS, "host", host, "cause", cause));
        for (HostState state : HostState.values()) {
            if (state == HostState.UNMANAGED) {
                continue; // an unmanaged host has no gauges: it is not watched, so it cannot raise alerts
            }
            register(Gauge.builder(HOST_STATE, () -> status.get().state() == state ? 1 : 0)
                    .tags("host", host, "state", state.label()), HOST_STATE, "host", host, "state", state.label());
        }
    }

    /** The deep drift checks of a host reconciled here: {@code value} gives 1 (drifting), 0 (clean) or NaN (not known). */
    public void bindDriftChecks(String host, java.util.function.ToDoubleFunction<dev.driftless.host.drift.DriftCheck> value) {
        for (dev.driftless.host.drift.DriftCheck check : dev.driftless.host.drift.DriftCheck.values()) {
            register(Gauge.builder(HOST_DRIFT_CHECK, () -> value.applyAsDouble(check)).tags("host", host, "check", check.label()),
                    HOST_DRIFT_CHECK, "host", host, "check", check.label());
        }
    }

    /** The host moved to another controller: its gauges go with it. Counters stay, since they count what happened here. */
    public void unbindHost(String host) {
        for (String name : List.of(HOST_IN_SYNC, HOST_GENERATION, HOST_REBOOT_REQUIRED, HOST_DRIFT, HOST_STATE, HOST_DRIFT_CHECK)) {
            registry.find(name).tag("host", host).meters().forEach(registry::remove);
        }
    }

    public void deployment(String host, String result, Duration took) {
        registry.counter(DEPLOYMENTS, "host", host, "result", result).increment();
        deploymentTimer(result).record(took);
    }

    public void incident(String host, String cause) {
        registry.counter(INCIDENTS, "host", host, "cause", cause).increment();
    }

    /** Time from an incident's detection to the host being InSync again: the MTTR histogram. */
    public void recovery(Duration took) {
        recoveryTimer().record(took);
    }

    /** Commit time to the host running it: DORA's lead time for changes. */
    public void leadTime(Duration took) {
        leadTimeTimer().record(took);
    }

    public void evaluation(String result, Duration took) {
        registry.counter(EVALUATIONS, "result", result).increment();
        Timer.builder(EVALUATION_DURATION).tags("result", result).register(registry).record(took);
    }

    public void commitRefused(String reason) {
        registry.counter(GIT_COMMITS_REFUSED, "reason", reason).increment();
    }

    public void webhook(String provider, String result) {
        registry.counter(WEBHOOK_REQUESTS, "provider", provider, "result", result).increment();
    }

    /** Something could not be processed or stored; {@code stage} is one of {@link #STAGES}. */
    public void processingFailure(String stage) {
        registry.counter(PROCESSING_FAILURES, "stage", stage).increment();
    }

    /** How many event streams are open, read whenever Prometheus scrapes. */
    public void bindEventSubscribers(Supplier<Number> open) {
        register(Gauge.builder(EVENT_SUBSCRIBERS, open).description("Open event streams (GET /api/v1/events)"), EVENT_SUBSCRIBERS);
    }

    /** An event stream reader fell a whole buffer behind and was dropped. */
    public void eventSubscriberDropped() {
        registry.counter(EVENT_SUBSCRIBERS_DROPPED).increment();
    }

    public void deadLetter(String topic) {
        registry.counter(DEAD_LETTERS, "topic", topic).increment();
    }

    /** The steps a host's deploy is made of, as {@link #hostStep} names them: a bounded label. */
    public static final List<String> HOST_STEPS = List.of("observe", "copy", "profile", "switch", "checks", "guard", "confirm");

    private Timer stepTimer(String step) {
        return Timer.builder(HOST_STEP_DURATION).tags("step", step).description("One step on a host, by step")
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofMinutes(10))
                .register(registry);
    }

    /** One step on a host took {@code took}; {@code step} is one of {@link #HOST_STEPS}. */
    public void hostStep(String step, Duration took) {
        stepTimer(step).record(took);
    }

    public void build(String result, Duration took) {
        registry.counter(BUILDS, "result", result).increment();
        Timer.builder(BUILD_DURATION).tags("result", result).register(registry).record(took);
    }

    /** How long one periodic resync took to observe (and, where needed, act on) every host. */
    public void resync(Duration took) {
        Timer.builder(RESYNC_DURATION).register(registry).record(took);
    }

    public void gitFetch(String result, Duration took) {
        registry.counter(GIT_FETCH, "result", result).increment();
        Timer.builder(GIT_FETCH_DURATION).tags("result", result).register(registry).record(took);
    }

    public void lastCommit(Instant committedAt) {
        lastCommitEpoch.set(committedAt.getEpochSecond());
    }

    private void gauge(String name, String host, Supplier<HostStatus> status,
            Function<HostStatus, Number> value, String unit) {
        // The supplier form holds a strong reference; the object form would let the gauge go NaN after a GC.
        register(Gauge.builder(name, () -> value.apply(status.get())).tags("host", host).baseUnit(unit), name, "host", host);
    }

    /**
     * Registers a gauge in place of one of the same name and tags. The JVM-wide registry can
     * outlive the application (tests restart it within one JVM); a gauge left there by a stopped
     * application would keep reading its state, and a new registration of the same id is ignored.
     */
    private void register(Gauge.Builder<?> gauge, String name, String... tags) {
        registry.remove(new Meter.Id(name, Tags.of(tags), null, null, Meter.Type.GAUGE));
        gauge.register(registry);
    }
}
