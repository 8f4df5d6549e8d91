package dev.driftless.host.reconcile;

import dev.driftless.config.DriftlessConfig;
import dev.driftless.fleet.Fleet;
import dev.driftless.host.Actual;
import dev.driftless.host.HostStatus;
import dev.driftless.host.health.HealthChecks;
import dev.driftless.host.transport.HostTarget;
import dev.driftless.fleet.FleetInventory;
import dev.driftless.inventory.HostSettings;
import dev.driftless.host.transport.HostTransport;
import dev.driftless.host.transport.HostUnreachable;
import dev.driftless.host.transport.TimedTransport;
import dev.driftless.host.transport.Transports;
import dev.driftless.metrics.DriftlessMetrics;
import jakarta.enterprise.context.ApplicationScoped;
import dev.driftless.host.drift.DriftCheck;
import dev.driftless.host.drift.DriftPolicy;
import dev.driftless.host.transport.Look;
import dev.driftless.host.drift.Finding;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One host's reconciliation, top to bottom: observe what the host runs, {@link Decide decide}
 * from the host's durable record, act on the host, and record the difference once. Idempotent:
 * running it twice in a row does the work once. The caller guarantees that only one
 * reconciliation per host runs at a time in this process; the host's own deploy lock keeps a step
 * that outlived a timeout from overlapping the next one.
 */
@ApplicationScoped
public class HostReconciler {

    private final Fleet fleet;
    private final Transports transports;
    private final HostRecorder recorder;
    private final DriftlessConfig config;
    private final HealthChecks checks;
    private final HostGoals goals;
    private final DriftlessMetrics metrics;
    private final FleetInventory inventory;
    private final Map<String, Connection> connections = new ConcurrentHashMap<>();
    private final Map<String, StoreMark> stores = new ConcurrentHashMap<>();
    private final HostWatches watches;

    HostReconciler(Fleet fleet, Transports transports, FleetInventory inventory, HostRecorder recorder, DriftlessConfig config,
            HealthChecks checks, HostGoals goals, DriftlessMetrics metrics) {
        this.inventory = inventory;
        this.goals = goals;
        this.metrics = metrics;
        this.fleet = fleet;
        this.transports = transports;
        this.recorder = recorder;
        this.config = config;
        this.checks = checks;
        this.watches = new HostWatches(config.reconcile().watch());
    }

    /** Where a host's watch reports a change: the scheduler wakes the host. */
    public void onChange(java.util.function.Consumer<String> wake) {
        watches.onChange(wake);
    }

    public ReconcileResult reconcile(String host) {
        HostStatus before = fleet.get(host).orElseThrow();
        HostTransport transport = connection(host);
        Map<DriftCheck, DriftPolicy> policies = inventory.of(host).drift();
        // A host that ran its committed generation at the last look most likely still does: ask the
        // deep checks in the same call, and use the answers if nothing was done to it.
        boolean ranDesired = before.actual() != null && before.desired() != null && before.actual().path() != null
                && before.actual().path().equals(before.desired().path());
        DeepDrift.Plan plan = deepPlan(host, ranDesired ? before.actual().path() : null, policies);
        Look look;
        try {
            if (before.record().attempt() != null && before.record().attempt().inProgress()) {
                transport.awaitIdle(); // a step of the attempt cut short may still run there: see what it leaves
            }
            look = ranDesired ? transport.look(plan.inspect()) : new Look(transport.observe(), null);
        } catch (HostUnreachable e) {
            return recorder.record(before, actions(host, transport, before, null).unreachable(before.record(), null, e));
        }
        Actual actual = look.actual();
        Decision decision = Decide.decide(before.record(), before.desired(), actual, heal(host), goals.of(host));
        Acted acted = actions(host, transport, before, actual).act(before, actual, decision);
        watches.ensure(host, transport); // after acting: a first deployment makes what a local host's watch watches
        if (acted.state() == dev.driftless.host.HostState.IN_SYNC) {
            // The answers that came with the observation hold only if the run did nothing to the host.
            boolean answered = decision instanceof Decision.Converged && look.findings() != null && actual.path().equals(before.actual().path());
            acted = checkDeep(host, transport, acted, policies, answered ? plan.answered(look.findings()) : deepPlan(host, acted.actual().path(), policies));
        }
        return recorder.record(before, acted);
    }

    /** The deep drift checks of a run that left the host InSync; remembers the store check's finding for its interval. */
    private Acted checkDeep(String host, HostTransport transport, Acted acted, Map<DriftCheck, DriftPolicy> policies, DeepDrift.Plan plan) {
        Acted checked = DeepDrift.check(acted, transport, policies, plan);
        if (plan.inspect().contains(DriftCheck.STORE) && checked.deep() != null) {
            String path = checked.actual().path();
            checked.deep().findings().stream().filter(f -> f.check() == DriftCheck.STORE).findFirst()
                    .ifPresent(f -> stores.put(host, new StoreMark(path, java.time.Instant.now(), f)));
        }
        return checked;
    }

    /**
     * The deep checks to ask a host running {@code path}: the {@code store} check only when due
     * (never for this generation, or not within {@code store-check-interval}); its last finding
     * stands in between. No checks for a host not known to run anything.
     */
    private DeepDrift.Plan deepPlan(String host, String path, Map<DriftCheck, DriftPolicy> policies) {
        if (path == null || policies.values().stream().allMatch(p -> p == DriftPolicy.IGNORE)) {
            return new DeepDrift.Plan(java.util.Set.of(), List.of());
        }
        StoreMark mark = stores.get(host);
        boolean due = mark == null || !mark.path().equals(path)
                || !mark.at().plus(config.reconcile().storeCheckInterval()).isAfter(java.time.Instant.now());
        return new DeepDrift.Plan(DeepDrift.Plan.scripted(policies, due), due ? List.of() : List.of(mark.finding()));
    }

    private HostActions actions(String host, HostTransport transport, HostStatus before, Actual actual) {
        return new HostActions(transport, checks.of(host), config.reconcile().interval(), confirmTimeout(host), goals.of(host),
                (record, cause) -> recorder.started(before, actual, record, cause));
    }

    /** No watch outlives the controller (the SSH ones would end by themselves within a second anyway). */
    @jakarta.annotation.PreDestroy
    void stopWatching() {
        connections.keySet().forEach(watches::forget);
    }

    /** Stops watching a host that is no longer managed; a run of it in progress ends as it would. */
    public void unwatch(String host) {
        watches.forget(host);
    }

    /** Drops this process's connection to the host, once another controller reconciles it. */
    public void forget(String host) {
        stores.remove(host);
        watches.forget(host);
        Connection gone = connections.remove(host);
        if (gone != null) {
            gone.transport().close();
        }
    }

    private java.time.Duration confirmTimeout(String host) {
        return inventory.of(host).confirmTimeout();
    }

    private boolean heal(String host) {
        return inventory.of(host).heal();
    }

    /**
     * The host's connection, made anew when a commit gave it another target or sudo setting. Only
     * one reconcile of a host runs here at a time, so the old one is closed with nothing on it.
     */
    private HostTransport connection(String host) {
        HostSettings settings = inventory.of(host);
        Connection held = connections.get(host);
        if (held != null && held.target().equals(settings.target()) && held.sudo() == settings.sudo()) {
            return held.transport();
        }
        if (held != null) {
            watches.forget(host);
            held.transport().close();
        }
        Connection made = new Connection(settings.target(), settings.sudo(),
                new TimedTransport(transports.forTarget(settings.target(), settings.sudo()), metrics::hostStep));
        connections.put(host, made);
        return made.transport();
    }

    /** The last {@code store} finding of a host, for the generation at {@code path}, made at {@code at}. */
    private record StoreMark(String path, java.time.Instant at, Finding finding) {}

    private record Connection(HostTarget target, boolean sudo, HostTransport transport) {}
}
