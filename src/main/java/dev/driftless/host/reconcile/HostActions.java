package dev.driftless.host.reconcile;

import static dev.driftless.host.reconcile.ReconcileResult.Outcome.*;

import dev.driftless.host.Actual;
import dev.driftless.host.Deployment;
import dev.driftless.host.Desired;
import dev.driftless.host.DriftCause;
import dev.driftless.host.Goal;
import dev.driftless.host.HostRecord;
import dev.driftless.host.HostRecord.Attempt;
import dev.driftless.host.HostState;
import dev.driftless.host.HostStatus;
import dev.driftless.host.health.CheckRunner;
import dev.driftless.host.transport.HostBusy;
import dev.driftless.host.transport.HostTransport;
import dev.driftless.host.transport.HostUnreachable;
import dev.driftless.host.transport.StepFailed;
import dev.driftless.host.transport.SwitchGuard;
import dev.driftless.host.transport.SwitchUnit;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;

/**
 * Carries out one {@link Decision} on one host through its {@link HostTransport}, and says what
 * that left as an {@link Acted}. Writes nothing itself but the attempt's intent, through
 * {@link Journal#started}, before the first step that changes the host. Plain Java with no I/O of
 * its own, so it is unit-tested with a scripted transport.
 */
final class HostActions {

    /** Where the intent of a deployment is made durable before the host is touched. */
    interface Journal {
        void started(HostRecord record, DriftCause cause);
    }

    /** Past the confirm timeout, how long a guard that fired may take to switch the host back. */
    static final Duration GUARD_GRACE = Duration.ofSeconds(90);

    private final HostTransport transport;
    private final CheckRunner checks;
    private final Duration retryAfter;
    private final Duration confirmTimeout;
    private final Goal goal;
    private final Journal journal;
    /** What the host was last seen running in this run, with what it booted. */
    private Actual observed;

    /**
     * {@code checks}: the host's health checks, run after a switch and when a cut-short deployment
     * is verified; {@code confirmTimeout}: how long after its switch a generation's guard waits for
     * the confirmation before it returns the host to the generation before.
     */
    HostActions(HostTransport transport, CheckRunner checks, Duration retryAfter, Duration confirmTimeout, Journal journal) {
        this(transport, checks, retryAfter, confirmTimeout, Goal.SWITCH, journal);
    }

    /** {@code goal}: how this host takes a generation (switch, boot, test). */
    HostActions(HostTransport transport, CheckRunner checks, Duration retryAfter, Duration confirmTimeout, Goal goal, Journal journal) {
        this.goal = goal;
        this.transport = transport;
        this.checks = checks;
        this.retryAfter = retryAfter;
        this.confirmTimeout = confirmTimeout;
        this.journal = journal;
    }

    Acted act(HostStatus status, Actual actual, Decision decision) {
        String host = status.name();
        HostRecord record = status.record();
        if (decision instanceof Decision.Converged c) {
            return Acted.of(CONVERGED, HostState.IN_SYNC, c.reason(), actual, record.withLeft(actual), null);
        }
        if (decision instanceof Decision.Wait w) {
            DriftCause cause = w.state() == HostState.DEGRADED ? DriftCause.FAILED_DEPLOY : null;
            return Acted.of(w.state() == HostState.DEGRADED ? FAILED : WAITING, w.state(), w.reason().replace("{name}", host), actual, record, cause);
        }
        if (decision instanceof Decision.Report r) {
            return Acted.of(WAITING, HostState.OUT_OF_SYNC, r.reason(), actual, record, r.cause());
        }
        if (decision instanceof Decision.RollBack r) {
            return rollBackOnRequest(host, status, actual, r);
        }
        if (decision instanceof Decision.GiveUp g) {
            return undo(record, record.attempt(), g.reason(), null, Instant.now());
        }
        if (decision instanceof Decision.Verify v) {
            return verify(status, actual, v);
        }
        Decision.Deploy d = (Decision.Deploy) decision;
        return deploy(status, actual, d);
    }

    /**
     * Copy, arm the host's guard, set the profile, switch, check, confirm over a new connection; on
     * a failure, back to exactly what the host ran before. The attempt is durable before the host
     * is touched, so a controller that stops half-way leaves the next one enough to finish or undo
     * it, and the guard undoes a generation nobody confirmed, whether the host was cut off or the
     * controller stopped.
     */
    private Acted deploy(HostStatus status, Actual actual, Decision.Deploy d) {
        Desired desired = status.desired();
        Instant started = Instant.now();
        Attempt previous = status.record().attempt();
        boolean resuming = previous != null && previous.inProgress() && previous.path().equals(desired.path());
        // A resumed attempt keeps its start, and with it the name of its switch on the host, so a
        // switch that outlived the session is found there and never started a second time.
        Attempt attempt = new Attempt(desired.commit(), desired.path(), d.before(), Attempt.Outcome.IN_PROGRESS, d.reason(),
                resuming ? previous.at() : started, resuming ? previous.tries() + 1 : 1);
        HostRecord record = status.record().withAttempt(attempt);
        journal.started(record, d.cause());
        int generation;
        try {
            transport.copy(desired.path());
        } catch (StepFailed e) {
            // Nothing changed on the host: it still runs what it ran.
            return failed(record, attempt, actual, Deployment.Result.FAILED, e.getMessage(), null, started);
        } catch (HostUnreachable e) {
            return unreachable(record, actual, e);
        }
        String runId = runId("deploy", attempt);
        Goal as = goal;
        String inhibited = null;
        try {
            if (goal == Goal.SWITCH) {
                inhibited = transport.switchInhibited(desired.path()).orElse(null);
                as = inhibited == null ? Goal.SWITCH : Goal.BOOT;
            }
            // Before the profile moves: a guard of an earlier try that fired has already put it back.
            Acted fired = as.activates() ? arm(record, attempt, runId, started) : null;
            if (fired != null) {
                return fired;
            }
        } catch (StepFailed e) {
            // Nothing changed on the host: it still runs what it ran.
            return failed(record, attempt, actual, Deployment.Result.FAILED, e.getMessage(), null, started);
        } catch (HostUnreachable e) {
            return unreachable(record, actual, e);
        }
        try {
            generation = as.setsProfile() ? transport.setProfile(desired.path()) : actual.generation();
            if (as == Goal.BOOT) {
                return stage(record, attempt, generation, runId, started, inhibited);
            }
            String failure = activateAndCheck(desired.path(), runId);
            if (failure != null) {
                return undo(record, attempt, failure, generation, started);
            }
            Actual now = observed != null && desired.path().equals(observed.path()) ? observed : new Actual(desired.path(), generation);
            return confirm(record, attempt, now, started, "generation " + generation, true);
        } catch (StepFailed e) {
            return undo(record, attempt, e.getMessage(), null, started);
        } catch (HostUnreachable e) {
            // Cut short: not a verdict on the generation. The attempt stays in progress; the next run finishes or undoes it.
            return unreachable(record, actual, e);
        }
    }

    /**
     * Makes the generation the boot default without activating it ({@code switch-to-configuration
     * boot}): nothing that runs changes, so there is nothing to check or confirm until the host
     * boots it; the next run after that reboot checks it. {@code inhibited}: why a switch could not
     * be done live, when that is why it is staged.
     */
    private Acted stage(HostRecord record, Attempt attempt, int generation, String runId, Instant started, String inhibited)
            throws HostUnreachable {
        try {
            transport.activate(attempt.path(), Goal.BOOT, runId);
            Actual now = transport.observe();
            String bootDefault = now.boot() == null ? null : now.boot().bootDefault();
            if (!attempt.path().equals(bootDefault)) {
                return undo(record, attempt, "switch-to-configuration boot exited 0 but the boot default is " + bootDefault
                        + ", not " + attempt.path(), generation, started);
            }
            Instant at = Instant.now();
            String why = inhibited == null ? "goal boot"
                    : "NixOS inhibits a live switch to it (" + inhibited + "), so it was made the boot default instead";
            HostRecord next = record.withAttempt(attempt.ended(Attempt.Outcome.STAGED, why, at)).withQuarantine(null).withHold(null).withLeft(now);
            Deployment deployment = new Deployment(attempt.commit(), attempt.path(), Deployment.Result.SUCCEEDED, generation, started, at,
                    "the boot default as generation " + generation + " (" + why + "); it runs after the next reboot", null);
            String message = "the committed generation is the boot default; it runs after the next reboot" + (inhibited == null ? " (goal boot)" : ": " + why);
            return Acted.of(DEPLOYED, inhibited == null ? HostState.IN_SYNC : HostState.OUT_OF_SYNC, message, now, next, null)
                    .withDeployment(deployment);
        } catch (StepFailed e) {
            return undo(record, attempt, e.getMessage(), generation, started);
        }
    }

    /**
     * Arms the guard that returns the host to what it ran before unless this switch is confirmed;
     * a host that ran nothing before has nothing to return to. Returns the verdict when the guard
     * of an earlier try of this attempt already fired, else null.
     */
    private Acted arm(HostRecord record, Attempt attempt, String runId, Instant started) throws HostUnreachable, StepFailed {
        Actual before = attempt.before();
        if (before == null || before.path() == null) {
            return null;
        }
        SwitchGuard.State guard = transport.arm(runId, before, confirmTimeout, goal);
        return guard.fired() ? guardFired(record, attempt, runId, guard, null, started, UNCONFIRMED, false) : null;
    }

    /**
     * The generation passed its checks: confirm it over a new connection, which disarms its guard.
     * {@code blame}: whether a confirmation that does not come is the generation's fault (this
     * controller switched it and saw no new connection get through) or not (an earlier controller
     * stopped before confirming, so the guard fired with nobody there to confirm).
     */
    private Acted confirm(HostRecord record, Attempt attempt, Actual now, Instant started, String detail, boolean blame)
            throws HostUnreachable, StepFailed {
        String runId = runId("deploy", attempt);
        SwitchGuard.State guard;
        try {
            guard = transport.confirm(runId, confirmTimeout);
        } catch (HostUnreachable e) {
            return lostConnectivity(record, attempt, runId, e.getMessage(), now.generation(), started);
        }
        if (guard.fired()) {
            return guardFired(record, attempt, runId, guard, now.generation(), started, blame
                    ? "the confirmation reached the host after its guard fired (the switch and the checks took longer than the confirm timeout, "
                            + confirmTimeout.toSeconds() + " s: raise driftless.deploy.confirm-timeout)"
                    : UNCONFIRMED, blame);
        }
        return succeeded(record, attempt, now, started, detail);
    }

    private static final String UNCONFIRMED = "the deployment was cut short before it was confirmed (the controller stopped or lost the host), "
            + "so the host's guard returned it to the generation before; the generation is tried again";

    /**
     * No new connection reached the host after the switch: the generation cut it off. Its guard
     * returns it to the generation before; wait for that and report it. A host with no guard is
     * returned by the controller, over the connection it still has, if any.
     */
    private Acted lostConnectivity(HostRecord record, Attempt attempt, String runId, String why, Integer generation, Instant started)
            throws HostUnreachable {
        String failure = DriftCause.LOST_CONNECTIVITY.label() + ": " + why;
        SwitchGuard.State guard;
        try {
            guard = transport.awaitGuard(runId, confirmTimeout.plus(GUARD_GRACE));
        } catch (HostUnreachable e) {
            Instant at = Instant.now();
            String message = failure + "; unreachable since (" + e.getMessage() + "), so how its guard ended is not known: it returns the host to "
                    + Decide.describe(attempt.before()) + " by itself";
            return ended(record, attempt, null, Deployment.Result.FAILED, message, generation, started, DriftCause.LOST_CONNECTIVITY, true, at);
        }
        if (guard.kind() == SwitchGuard.Kind.NONE || guard.kind() == SwitchGuard.Kind.UNSUPPORTED) {
            return undo(record, attempt, failure, generation, started, DriftCause.LOST_CONNECTIVITY);
        }
        return guardFired(record, attempt, runId, guard, generation, started, failure, true);
    }

    /**
     * The guard fired: see where the host is now, and say so. {@code quarantine}: the generation is
     * not tried again (it was the generation's fault); otherwise the next run tries it again.
     */
    private Acted guardFired(HostRecord record, Attempt attempt, String runId, SwitchGuard.State guard, Integer generation, Instant started,
            String why, boolean quarantine) throws HostUnreachable {
        if (guard.kind() != SwitchGuard.Kind.ROLLED_BACK) {
            guard = transport.awaitGuard(runId, GUARD_GRACE);
            if (guard.kind() != SwitchGuard.Kind.ROLLED_BACK) {
                throw new HostBusy("the guard of " + attempt.path() + " is returning the host to " + Decide.describe(attempt.before())
                        + "; waiting for it to end");
            }
        }
        Actual now = transport.observe();
        boolean back = attempt.before() != null && Objects.equals(attempt.before().path(), now.path());
        String message = why + "; the host's guard " + (back ? "returned it to " + Decide.describe(now)
                : "did not return it to " + Decide.describe(attempt.before()) + ": it runs " + Decide.describe(now) + "; a person must look at the host")
                + (guard.exitCode() == 0 ? "" : " (its switch exited with " + guard.exitCode() + (guard.output().isBlank() ? "" : ": " + guard.output()) + ")");
        return ended(record, attempt, now, back ? Deployment.Result.ROLLED_BACK : Deployment.Result.ROLLBACK_FAILED, message, generation,
                started, DriftCause.LOST_CONNECTIVITY, quarantine, Instant.now());
    }

    /** The host runs the desired generation without a verdict on it: run its checks now. */
    private Acted verify(HostStatus status, Actual actual, Decision.Verify v) {
        Desired desired = status.desired();
        HostRecord record = status.record();
        Attempt attempt = record.attempt();
        boolean finishing = attempt != null && attempt.inProgress() && attempt.path().equals(desired.path());
        Instant started = Instant.now();
        try {
            String failure = finishing ? switchFailure(attempt) : null;
            if (failure == null) {
                failure = check();
            }
            if (failure == null) {
                if (finishing) {
                    return confirm(record, attempt, actual, attempt.at(), "generation " + actual.generation()
                            + ", checked after the deployment was cut short", false);
                }
                SwitchGuard.State proof = transport.confirm(runId("verify", new Attempt(desired.commit(), desired.path(), null,
                        Attempt.Outcome.IN_PROGRESS, v.reason(), started, 1)), confirmTimeout);
                HostRecord.Applied applied = new HostRecord.Applied(desired.commit(), desired.path(), actual.generation(), Instant.now());
                return Acted.of(CONVERGED, HostState.IN_SYNC, "running the committed generation; its checks passed"
                        + (proof.kind() == SwitchGuard.Kind.UNSUPPORTED ? "" : " and a new connection reached it"),
                        actual, record.withApplied(applied).withLeft(actual), null);
            }
            if (!finishing) {
                attempt = new Attempt(desired.commit(), desired.path(), null, Attempt.Outcome.IN_PROGRESS, v.reason(), started, 1);
                record = record.withAttempt(attempt);
            }
            return undo(record, attempt, failure, actual.generation(), started);
        } catch (StepFailed e) {
            return Acted.of(FAILED, HostState.DEGRADED, "runs the committed generation, which could not be confirmed: " + e.getMessage(),
                    actual, record, DriftCause.FAILED_DEPLOY);
        } catch (HostUnreachable e) {
            return unreachable(record, actual, e);
        }
    }

    /**
     * How the switch of a deployment that was cut short ended on the host, as the host recorded it;
     * null when it succeeded or the host keeps no record. One still running is waited for.
     */
    private String switchFailure(Attempt attempt) throws HostUnreachable {
        String runId = runId("deploy", attempt);
        Optional<SwitchUnit.Outcome> outcome = transport.lastSwitch(runId);
        if (outcome.isEmpty() || outcome.get().succeeded()) {
            return null;
        }
        if (outcome.get().state() == SwitchUnit.State.RUNNING) {
            throw new HostBusy("the switch to " + attempt.path() + " still runs on the host; waiting for it to end");
        }
        return SwitchUnit.explain(runId, "switch", outcome.get());
    }

    /**
     * Names one switch on the host: the same for every run of one attempt (so a switch that
     * outlived its session is found, not repeated), different for the next attempt.
     */
    static String runId(String kind, Attempt attempt) {
        return kind + "-" + digest(attempt.path() + "@" + attempt.at());
    }

    private static String digest(String text) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(hash, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JVM", e);
        }
    }

    /** Switches to {@code path}, checks the host really runs it, runs the health check; returns why not, or null. */
    private String activateAndCheck(String path, String runId) throws HostUnreachable {
        try {
            transport.activate(path, goal, runId);
            Actual after = transport.observe();
            observed = after;
            if (!path.equals(after.path())) {
                return "activation exited 0 but the host runs " + after.path() + " instead of " + path;
            }
        } catch (StepFailed e) {
            return e.getMessage();
        }
        return check();
    }

    private String check() throws HostUnreachable {
        return checks.firstFailure(transport).orElse(null);
    }

    private Acted undo(HostRecord record, Attempt attempt, String failure, Integer generation, Instant started) {
        return undo(record, attempt, failure, generation, started, DriftCause.FAILED_DEPLOY);
    }

    /**
     * The generation failed on the host: return to exactly what the host ran before, and
     * quarantine it. The controller takes the return on itself only after disarming the guard;
     * a guard that fired first has done it already.
     */
    private Acted undo(HostRecord record, Attempt attempt, String failure, Integer generation, Instant started, DriftCause cause) {
        Actual before = attempt.before();
        if (before == null || before.path() == null) {
            return failed(record, attempt, null, Deployment.Result.FAILED, failure + "; no generation to return to, so the host runs the failed one",
                    generation, started, cause);
        }
        try {
            String runId = runId("deploy", attempt);
            SwitchGuard.State guard = transport.disarm(runId);
            if (guard.fired()) {
                return guardFired(record, attempt, runId, guard, generation, started, failure, true);
            }
        } catch (HostBusy e) {
            return unreachable(record, null, e);
        } catch (StepFailed e) {
            // Settling it needs what arming it needed (sudo's lines): no guard can have been armed.
        } catch (HostUnreachable e) {
            return failed(record, attempt, null, Deployment.Result.ROLLBACK_FAILED, failure + "; returning to " + Decide.describe(before)
                    + " failed: " + e.getMessage() + "; its guard, if armed, returns it there by itself", generation, started, cause);
        }
        try {
            Actual now = returnTo(before, runId("back", attempt));
            return failed(record, attempt, now, Deployment.Result.ROLLED_BACK, failure + "; rolled back to " + Decide.describe(now), generation,
                    started, cause);
        } catch (HostBusy e) {
            // A step of an earlier try still runs there: the attempt stays open, and the next run returns to before.
            return unreachable(record, null, e);
        } catch (StepFailed | HostUnreachable e) {
            return failed(record, attempt, null, Deployment.Result.ROLLBACK_FAILED, failure + "; returning to " + Decide.describe(before)
                    + " failed: " + e.getMessage() + "; a person must look at the host", generation, started, cause);
        }
    }

    /**
     * Back to {@code target} by its number (or path), activated as the goal activates, then verified
     * by observing the host. A {@code test} host's profile was never moved: only its activation is undone.
     */
    private Actual returnTo(Actual target, String runId) throws StepFailed, HostUnreachable {
        if (goal.setsProfile()) {
            transport.switchToGeneration(target);
        }
        transport.activate(target.path(), goal == Goal.TEST ? Goal.TEST : Goal.SWITCH, runId);
        Actual now = transport.observe();
        if (!target.path().equals(now.path())) {
            throw new StepFailed("rollback", "after switching back the host runs " + now.path() + ", not " + target.path());
        }
        return now;
    }

    private Acted rollBackOnRequest(String host, HostStatus status, Actual actual, Decision.RollBack r) {
        HostRecord record = status.record();
        String against = status.desired() == null ? null : status.desired().path();
        try {
            Actual now;
            // Each request is a switch of its own: the request's time names it.
            String runId = "request-" + digest(actual.path() + "@" + (record.hold() == null ? Instant.now() : record.hold().at()));
            if (r.target() != null) {
                now = returnTo(r.target(), runId);
            } else {
                String previous = transport.rollbackProfile();
                transport.activate(previous, Goal.SWITCH, runId);
                now = transport.observe();
            }
            HostRecord.Hold hold = new HostRecord.Hold(now, against, false, "rolled back on request from " + actual.path(), Instant.now());
            return Acted.of(CHANGED_BY_REQUEST, HostState.OUT_OF_SYNC, "rolled back on request to " + Decide.describe(now)
                    + "; held there until POST /api/v1/hosts/" + host + "/sync or a new commit", now,
                    record.withHold(hold).withLeft(now), null).requestedRollback();
        } catch (StepFailed | HostUnreachable e) {
            Actual now = observeQuietly();
            return Acted.of(FAILED, status.state(), "requested rollback failed: " + e.getMessage(), now, record.withHold(null), null);
        }
    }

    private Acted succeeded(HostRecord record, Attempt attempt, Actual now, Instant started, String detail) {
        Instant at = Instant.now();
        HostRecord.Applied applied = new HostRecord.Applied(attempt.commit(), attempt.path(), now.generation(), at);
        HostRecord next = record.withAttempt(attempt.ended(Attempt.Outcome.SUCCEEDED, null, at)).withApplied(applied).withQuarantine(null).withHold(null).withLeft(now);
        Deployment deployment = new Deployment(attempt.commit(), attempt.path(), Deployment.Result.SUCCEEDED, now.generation(), started, at, null, null);
        return Acted.of(DEPLOYED, HostState.IN_SYNC, "running the committed generation", now, next, null).withDeployment(deployment);
    }

    private Acted failed(HostRecord record, Attempt attempt, Actual now, Deployment.Result result, String why, Integer generation, Instant started) {
        return failed(record, attempt, now, result, why, generation, started, DriftCause.FAILED_DEPLOY);
    }

    private Acted failed(HostRecord record, Attempt attempt, Actual now, Deployment.Result result, String why, Integer generation, Instant started,
            DriftCause cause) {
        return ended(record, attempt, now, result, why, generation, started, cause, true, Instant.now());
    }

    /** The attempt ended without success; {@code quarantine}: its generation is not tried again here. */
    private Acted ended(HostRecord record, Attempt attempt, Actual now, Deployment.Result result, String why, Integer generation, Instant started,
            DriftCause cause, boolean quarantine, Instant at) {
        Attempt.Outcome outcome = switch (result) {
            case ROLLED_BACK -> Attempt.Outcome.ROLLED_BACK;
            case ROLLBACK_FAILED -> Attempt.Outcome.ROLLBACK_FAILED;
            default -> Attempt.Outcome.FAILED;
        };
        HostRecord next = record.withAttempt(attempt.ended(outcome, why, at)).withHold(null)
                .withQuarantine(quarantine ? new HostRecord.Quarantine(attempt.path(), why, at) : record.quarantine());
        if (now != null) {
            next = next.withLeft(now);
        }
        Deployment deployment = new Deployment(attempt.commit(), attempt.path(), result, generation, started, at, why, cause.label());
        return Acted.of(FAILED, HostState.DEGRADED, why, now, next, cause).withDeployment(deployment);
    }

    Acted unreachable(HostRecord record, Actual actual, HostUnreachable e) {
        if (e instanceof HostBusy) {
            return Acted.of(UNREACHABLE, HostState.DEPLOYING, e.getMessage(), actual, record, null).retryAfter(retryAfter);
        }
        return Acted.of(UNREACHABLE, HostState.UNREACHABLE, e.getMessage(), null, record, DriftCause.UNREACHABLE)
                .retryAfter(retryAfter);
    }

    private Actual observeQuietly() {
        try {
            return transport.observe();
        } catch (HostUnreachable e) {
            return null;
        }
    }
}
