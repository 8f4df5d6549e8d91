package dev.driftless.host.reconcile;

import static dev.driftless.host.reconcile.ReconcileResult.Outcome.*;

import dev.driftless.config.DriftlessConfig;
import dev.driftless.fleet.Fleet;
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
    private final Transports transports;
    private final HostRecorder recorder;
    private final DriftlessConfig config;
    private final Map<String, Memory> memory = new ConcurrentHashMap<>();

    /** What the loop remembers about a host between runs. */
    static final class Memory {
        HostTransport transport;
        /** The path Driftless last saw the host converge on; anything else is out-of-band. */
        String lastGood;
        /** A desired path whose deployment failed: not retried until the desired state moves. */
        String failedPath;
        /** Set by a rollback request; the host is held on its previous generation until desired moves. */
        volatile boolean rollbackRequested;
        String heldOn;
        String heldAgainst;
    }

    HostReconciler(Fleet fleet, Transports transports, HostRecorder recorder, DriftlessConfig config) {
        this.fleet = fleet;
        this.transports = transports;
        this.recorder = recorder;
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
        if (mem.rollbackRequested) {
            mem.rollbackRequested = false;
            return rollBackOnRequest(host, mem, desired, actual);
        }
        if (desired != null && mem.heldOn != null && desired.path().equals(mem.heldAgainst) && mem.heldOn.equals(actual.path())) {
            fleet.update(host, s -> s.with(HostState.OUT_OF_SYNC, "held on " + actual.path()
                    + " by a rollback request; POST /api/v1/hosts/" + host + "/sync or push a commit to resume"));
            return ReconcileResult.of(WAITING, "held after rollback");
        }
        mem.heldOn = null;
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
        String failure;
        try {
            failure = activate(mem.transport, desired.path(), healthCheck(host));
        } catch (HostUnreachable e) {
            // Lost mid-switch: not a verdict on the generation. The next run observes and finishes the job.
            return unreachable(host, e.getMessage());
        }
        if (failure != null) {
            String rollback = rollBack(host, mem.transport, desired, before);
            return failed(host, mem, desired, started, Deployment.Result.ROLLED_BACK, failure + "; " + rollback, generation);
        }
        Deployment deployment = new Deployment(desired.commit(), desired.path(), Deployment.Result.SUCCEEDED, generation, started, Instant.now(), null);
        mem.lastGood = desired.path();
        mem.failedPath = null;
        fleet.update(host, s -> s.observed(new Actual(desired.path(), generation), Instant.now()).deployed(deployment).converged());
        recorder.deployed(host, deployment, desired);
        LOG.infof("host %s commit %.12s: in sync on generation %d after %d ms", host, desired.commit(), generation,
                Duration.between(started, Instant.now()).toMillis());
        return ReconcileResult.of(DEPLOYED, "generation " + generation);
    }

    /** Switches, checks the host really runs the new path, runs the health check; returns why not, or null. */
    private String activate(HostTransport transport, String path, String healthCheck) throws HostUnreachable {
        try {
            transport.activate(path);
            Actual after = transport.observe();
            if (!path.equals(after.path())) {
                return "activation exited 0 but the host runs " + after.path() + " instead of " + path;
            }
            if (healthCheck != null) {
                transport.checkHealth(healthCheck, config.deploy().healthCheckTimeout());
            }
            return null;
        } catch (StepFailed e) {
            return e.getMessage();
        }
    }

    /**
     * Drops what this process remembers of the host, once another controller reconciles it: if
     * it comes back here, what it knew then (the last good path above all) is out of date, and
     * is read afresh from the host's history.
     */
    public void forget(String host) {
        memory.remove(host);
    }

    /** Asks the host's loop to roll it back one generation and hold it there. */
    public void requestRollback(String host) {
        memory.computeIfAbsent(host, this::remember).rollbackRequested = true;
    }

    /** Forgets a failed deployment or a rollback hold, so the next run deploys the desired generation. */
    public void requestSync(String host) {
        Memory mem = memory.computeIfAbsent(host, this::remember);
        mem.failedPath = null;
        mem.heldOn = null;
    }

    private ReconcileResult rollBackOnRequest(String host, Memory mem, Desired desired, Actual actual) {
        String commit = desired == null ? null : desired.commit();
        try {
            String previous = mem.transport.rollbackProfile();
            mem.transport.activate(previous);
            Actual now = mem.transport.observe();
            mem.heldOn = now.path();
            mem.lastGood = now.path(); // Put there on purpose: not an out-of-band change.
            mem.heldAgainst = desired == null ? null : desired.path();
            recorder.manualRollback(host, commit, now, actual.path());
            fleet.update(host, s -> s.observed(now, Instant.now()).with(HostState.OUT_OF_SYNC, "rolled back on request to generation "
                    + now.generation() + "; held there until POST /api/v1/hosts/" + host + "/sync or a new commit"));
            LOG.warnf("host %s commit %.12s: rolled back on request to %s (generation %d)", host, commit, now.path(), now.generation());
            return ReconcileResult.of(CHANGED_BY_REQUEST, now.path());
        } catch (StepFailed | HostUnreachable e) {
            LOG.errorf("host %s commit %.12s: requested rollback failed: %s", host, commit, e.getMessage());
            fleet.update(host, s -> s.with(s.state(), "requested rollback failed: " + e.getMessage()));
            return ReconcileResult.of(FAILED, e.getMessage());
        }
    }

    /** The per-host check, else the default for hosts that are whole machines; null for none. */
    private String healthCheck(String host) {
        String command = config.hosts().get(host).healthCheck().orElseGet(() ->
                HostTarget.parse(fleet.get(host).orElseThrow().target()) instanceof HostTarget.Local local && local.root().getParent() != null
                        ? "none" : config.deploy().healthCheck());
        return command.isBlank() || command.equals("none") ? null : command;
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
        mem.failedPath = desired.path();
        fleet.update(host, s -> s.deployed(deployment).drifting(DriftCause.FAILED_DEPLOY, started).with(HostState.DEGRADED, why));
        recorder.deployFailed(host, deployment);
        LOG.errorf("host %s commit %.12s: deployment %s: %s. Fix the configuration and push; the host stays on its previous generation.",
                host, desired.commit(), result, why);
        return ReconcileResult.of(FAILED, why);
    }

    private ReconcileResult converged(String host, Memory mem, Desired desired, Actual actual) {
        HostStatus before = fleet.get(host).orElseThrow();
        mem.lastGood = actual.path();
        mem.failedPath = null;
        fleet.update(host, HostStatus::converged);
        recorder.converged(host, desired.commit());
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
        recorder.drift(host, cause, desired, actual);
        if (cause == DriftCause.OUT_OF_BAND) {
            LOG.warnf("host %s commit %.12s: changed outside Driftless, now runs %s (generation %d)", host, desired.commit(),
                    actual.path(), actual.generation());
        }
    }

    private ReconcileResult unreachable(String host, String why) {
        HostStatus before = fleet.get(host).orElseThrow();
        HostStatus status = fleet.update(host, s -> s.drifting(DriftCause.UNREACHABLE, Instant.now()).with(HostState.UNREACHABLE, why));
        recorder.unreachable(host, status.desired() == null ? null : status.desired().commit(), why);
        if (before.state() == HostState.UNREACHABLE && why.equals(before.message())) {
            return new ReconcileResult(UNREACHABLE, why, config.reconcile().interval()); // Said already; retries stay quiet.
        }
        LOG.warnf("host %s commit %.12s: unreachable: %s. Check the host and driftless.hosts.%s.target.", host,
                status.desired() == null ? "-" : status.desired().commit(), why, host);
        return new ReconcileResult(UNREACHABLE, why, config.reconcile().interval());
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
