package dev.driftless.host.reconcile;

import static dev.driftless.host.reconcile.ReconcileResult.Outcome.*;

import dev.driftless.config.DriftlessConfig;
import dev.driftless.fleet.Fleet;
import dev.driftless.fleet.FleetStore;
import dev.driftless.fleet.HistoryEntry;
import dev.driftless.host.Actual;
import dev.driftless.host.Deployment;
import dev.driftless.host.Desired;
import dev.driftless.host.DriftCause;
import dev.driftless.host.HostState;
import dev.driftless.host.HostStatus;
import dev.driftless.host.transport.HostTarget;
import dev.driftless.host.transport.HostTransport;
import dev.driftless.host.transport.HostUnreachable;
import dev.driftless.host.transport.StepFailed;
import dev.driftless.host.transport.Transports;
import dev.driftless.metrics.DriftlessMetrics;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * One host's reconciliation, top to bottom: observe, compare, then deploy (copy, set profile,
 * activate, verify) or roll back. Idempotent: running it twice in a row does the work once.
 * The caller guarantees that only one reconciliation per host runs at a time.
 */
@ApplicationScoped
public class HostReconciler {

    private static final Logger LOG = Logger.getLogger(HostReconciler.class);

    private final Fleet fleet;
    private final FleetStore store;
    private final Transports transports;
    private final DriftlessMetrics metrics;
    private final DriftlessConfig config;
    private final Map<String, Memory> memory = new ConcurrentHashMap<>();

    /** What the loop remembers about a host between runs. */
    static final class Memory {
        HostTransport transport;
        /** The path Driftless last saw the host converge on; anything else is out-of-band. */
        String lastGood;
        /** A desired path whose deployment failed: not retried until the desired state moves. */
        String failedPath;
    }

    HostReconciler(Fleet fleet, FleetStore store, Transports transports, DriftlessMetrics metrics, DriftlessConfig config) {
        this.fleet = fleet;
        this.store = store;
        this.transports = transports;
        this.metrics = metrics;
        this.config = config;
    }

    public ReconcileResult reconcile(String host) {
        Memory mem = memory.computeIfAbsent(host, this::remember);
        Actual actual;
        try {
            actual = mem.transport.observe();
        } catch (HostUnreachable e) {
            return unreachable(host, e.getMessage());
        }
        HostStatus status = fleet.update(host, s -> s.observed(actual, Instant.now()));
        Desired desired = status.desired();
        if (desired == null) {
            fleet.update(host, s -> s.with(HostState.UNKNOWN, "waiting for a commit that evaluates and builds"));
            return ReconcileResult.of(WAITING, "no desired generation");
        }
        if (desired.path().equals(actual.path())) {
            return converged(host, mem, desired, actual);
        }
        if (desired.path().equals(mem.failedPath) && mem.lastGood != null && mem.lastGood.equals(actual.path())) {
            return ReconcileResult.of(FAILED, "desired generation failed to deploy; waiting for a new commit");
        }
        DriftCause cause = mem.lastGood != null && !mem.lastGood.equals(actual.path()) ? DriftCause.OUT_OF_BAND : DriftCause.NEW_COMMIT;
        noteDrift(host, status, cause, desired, actual);
        if ("report".equals(policy(host))) {
            fleet.update(host, s -> s.with(HostState.OUT_OF_SYNC, "policy is report: not deploying " + desired.path()));
            return ReconcileResult.of(WAITING, "policy report");
        }
        return deploy(host, mem, desired, actual);
    }

    private ReconcileResult deploy(String host, Memory mem, Desired desired, Actual before) {
        Instant started = Instant.now();
        fleet.update(host, s -> s.with(HostState.DEPLOYING, "deploying commit " + shortSha(desired.commit())));
        LOG.infof("host %s commit %.12s: deploying %s (host runs %s)", host, desired.commit(), desired.path(),
                before.path() == null ? "no generation yet" : before.path());
        int generation;
        try {
            mem.transport.copy(desired.path());
            generation = mem.transport.setProfile(desired.path());
        } catch (StepFailed e) {
            return failed(host, mem, desired, started, Deployment.Result.FAILED, e.getMessage(), null);
        } catch (HostUnreachable e) {
            return unreachable(host, e.getMessage());
        }
        String failure = activate(mem.transport, desired.path());
        if (failure != null) {
            String rollback = rollBack(host, mem.transport, desired, before);
            return failed(host, mem, desired, started, Deployment.Result.ROLLED_BACK, failure + "; " + rollback, generation);
        }
        Deployment deployment = new Deployment(desired.commit(), desired.path(), Deployment.Result.SUCCEEDED, generation, started, Instant.now(), null);
        record(host, deployment, HistoryEntry.DEPLOYED);
        mem.lastGood = desired.path();
        mem.failedPath = null;
        fleet.update(host, s -> s.observed(new Actual(desired.path(), generation), Instant.now()).deployed(deployment).converged());
        LOG.infof("host %s commit %.12s: in sync on generation %d after %d ms", host, desired.commit(), generation,
                Duration.between(started, Instant.now()).toMillis());
        return ReconcileResult.of(DEPLOYED, "generation " + generation);
    }

    /** Switches and checks that the host really runs the new path; returns why not, or null. */
    private static String activate(HostTransport transport, String path) {
        try {
            transport.activate(path);
            Actual after = transport.observe();
            return path.equals(after.path()) ? null
                    : "activation exited 0 but the host runs " + after.path() + " instead of " + path;
        } catch (StepFailed | HostUnreachable e) {
            return e.getMessage();
        }
    }

    private String rollBack(String host, HostTransport transport, Desired desired, Actual before) {
        if (before.path() == null) {
            return "no previous generation to roll back to";
        }
        try {
            String previous = transport.rollbackProfile();
            transport.activate(previous);
            LOG.warnf("host %s commit %.12s: rolled back to %s", host, desired.commit(), previous);
            return "rolled back to " + previous;
        } catch (StepFailed | HostUnreachable e) {
            LOG.errorf("host %s commit %.12s: rollback failed, the host needs a look by hand: %s", host, desired.commit(), e.getMessage());
            return "rollback failed: " + e.getMessage();
        }
    }

    private ReconcileResult failed(String host, Memory mem, Desired desired, Instant started, Deployment.Result result,
            String why, Integer generation) {
        Deployment deployment = new Deployment(desired.commit(), desired.path(), result, generation, started, Instant.now(), why);
        record(host, deployment, result == Deployment.Result.ROLLED_BACK ? HistoryEntry.ROLLED_BACK : HistoryEntry.DEPLOY_FAILED);
        mem.failedPath = desired.path();
        fleet.update(host, s -> s.deployed(deployment).drifting(DriftCause.FAILED_DEPLOY, started).with(HostState.DEGRADED, why));
        LOG.errorf("host %s commit %.12s: deployment %s: %s. Fix the configuration and push; the host stays on its previous generation.",
                host, desired.commit(), result, why);
        return ReconcileResult.of(FAILED, why);
    }

    private ReconcileResult converged(String host, Memory mem, Desired desired, Actual actual) {
        HostStatus before = fleet.get(host).orElseThrow();
        mem.lastGood = actual.path();
        mem.failedPath = null;
        fleet.update(host, HostStatus::converged);
        if (before.state() != HostState.IN_SYNC) {
            LOG.infof("host %s commit %.12s: in sync on generation %d", host, desired.commit(), actual.generation());
        }
        return ReconcileResult.of(CONVERGED, actual.path());
    }

    private void noteDrift(String host, HostStatus status, DriftCause cause, Desired desired, Actual actual) {
        if (status.driftSince() != null && status.cause() == cause) {
            return;
        }
        fleet.update(host, s -> s.drifting(cause, Instant.now()).with(HostState.OUT_OF_SYNC, cause.label() + ": runs " + actual.path()));
        store.append(host, new HistoryEntry(Instant.now(), HistoryEntry.DRIFT, desired.commit(), actual.path(), actual.generation(),
                HostState.OUT_OF_SYNC.label(), cause.label(), "runs " + actual.path() + ", committed " + desired.path()));
        if (cause == DriftCause.OUT_OF_BAND) {
            LOG.warnf("host %s commit %.12s: changed outside Driftless, now runs %s (generation %d)", host, desired.commit(),
                    actual.path(), actual.generation());
        }
    }

    private ReconcileResult unreachable(String host, String why) {
        HostStatus status = fleet.update(host, s -> s.drifting(DriftCause.UNREACHABLE, Instant.now()).with(HostState.UNREACHABLE, why));
        LOG.warnf("host %s commit %.12s: unreachable: %s. Check the host and driftless.hosts.%s.target.", host,
                status.desired() == null ? "-" : status.desired().commit(), why, host);
        return new ReconcileResult(UNREACHABLE, why, config.reconcile().interval());
    }

    private void record(String host, Deployment d, String kind) {
        metrics.deployment(host, d.result().label(), Duration.between(d.startedAt(), d.finishedAt()));
        store.append(host, new HistoryEntry(d.finishedAt(), kind, d.commit(), d.path(), d.generation(), null, null, d.message()));
    }

    private Memory remember(String host) {
        Memory mem = new Memory();
        HostStatus status = fleet.get(host).orElseThrow();
        mem.transport = transports.forTarget(HostTarget.parse(status.target()));
        Deployment last = status.lastDeployment();
        if (last != null && last.result() == Deployment.Result.SUCCEEDED) {
            mem.lastGood = last.path();
        }
        return mem;
    }

    private String policy(String host) {
        return config.hosts().get(host).policy().orElse(config.reconcile().policy());
    }

    private static String shortSha(String sha) {
        return sha.length() > 12 ? sha.substring(0, 12) : sha;
    }
}
