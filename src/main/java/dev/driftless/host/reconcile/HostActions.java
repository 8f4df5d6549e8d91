package dev.driftless.host.reconcile;

import static dev.driftless.host.reconcile.ReconcileResult.Outcome.*;

import dev.driftless.host.Actual;
import dev.driftless.host.Deployment;
import dev.driftless.host.Desired;
import dev.driftless.host.DriftCause;
import dev.driftless.host.HostRecord;
import dev.driftless.host.HostRecord.Attempt;
import dev.driftless.host.HostState;
import dev.driftless.host.HostStatus;
import dev.driftless.host.health.CheckRunner;
import dev.driftless.host.transport.HostBusy;
import dev.driftless.host.transport.HostTransport;
import dev.driftless.host.transport.HostUnreachable;
import dev.driftless.host.transport.StepFailed;
import dev.driftless.host.transport.SwitchUnit;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
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

    private final HostTransport transport;
    private final CheckRunner checks;
    private final Duration retryAfter;
    private final Journal journal;

    /** {@code checks}: the host's health checks, run after a switch and when a cut-short deployment is verified. */
    HostActions(HostTransport transport, CheckRunner checks, Duration retryAfter, Journal journal) {
        this.transport = transport;
        this.checks = checks;
        this.retryAfter = retryAfter;
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
     * Copy, set the profile, switch, check; on a failure, back to exactly what the host ran
     * before. The attempt is durable before the host is touched, so a controller that stops
     * half-way leaves the next one enough to finish or undo it.
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
        try {
            generation = transport.setProfile(desired.path());
            String failure = activateAndCheck(desired.path(), runId("deploy", attempt));
            if (failure != null) {
                return undo(record, attempt, failure, generation, started);
            }
        } catch (StepFailed e) {
            return undo(record, attempt, e.getMessage(), null, started);
        } catch (HostUnreachable e) {
            // Cut short: not a verdict on the generation. The attempt stays in progress; the next run finishes or undoes it.
            return unreachable(record, actual, e);
        }
        Actual now = new Actual(desired.path(), generation);
        return succeeded(record, attempt, now, started, "generation " + generation);
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
                    return succeeded(record, attempt, actual, attempt.at(), "generation " + actual.generation() + ", checked after the deployment was cut short");
                }
                HostRecord.Applied applied = new HostRecord.Applied(desired.commit(), desired.path(), actual.generation(), Instant.now());
                return Acted.of(CONVERGED, HostState.IN_SYNC, "running the committed generation; its checks passed",
                        actual, record.withApplied(applied).withLeft(actual), null);
            }
            if (!finishing) {
                attempt = new Attempt(desired.commit(), desired.path(), null, Attempt.Outcome.IN_PROGRESS, v.reason(), started, 1);
                record = record.withAttempt(attempt);
            }
            return undo(record, attempt, failure, actual.generation(), started);
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
            transport.activate(path, runId);
            Actual after = transport.observe();
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

    /** The generation failed on the host: return to exactly what the host ran before, and quarantine it. */
    private Acted undo(HostRecord record, Attempt attempt, String failure, Integer generation,
            Instant started) {
        Actual before = attempt.before();
        if (before == null || before.path() == null) {
            return failed(record, attempt, null, Deployment.Result.FAILED, failure + "; no generation to return to, so the host runs the failed one",
                    generation, started);
        }
        try {
            Actual now = returnTo(before, runId("back", attempt));
            return failed(record, attempt, now, Deployment.Result.ROLLED_BACK, failure + "; rolled back to " + Decide.describe(now), generation, started);
        } catch (HostBusy e) {
            // A step of an earlier try still runs there: the attempt stays open, and the next run returns to before.
            return unreachable(record, null, e);
        } catch (StepFailed | HostUnreachable e) {
            return failed(record, attempt, null, Deployment.Result.ROLLBACK_FAILED, failure + "; returning to " + Decide.describe(before)
                    + " failed: " + e.getMessage() + "; a person must look at the host", generation, started);
        }
    }

    /** Back to {@code target} by its number (or path), activated, then verified by observing the host. */
    private Actual returnTo(Actual target, String runId) throws StepFailed, HostUnreachable {
        transport.switchToGeneration(target);
        transport.activate(target.path(), runId);
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
                transport.activate(previous, runId);
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
        Deployment deployment = new Deployment(attempt.commit(), attempt.path(), Deployment.Result.SUCCEEDED, now.generation(), started, at, null);
        return Acted.of(DEPLOYED, HostState.IN_SYNC, "running the committed generation", now, next, null).withDeployment(deployment);
    }

    private Acted failed(HostRecord record, Attempt attempt, Actual now, Deployment.Result result, String why, Integer generation, Instant started) {
        Instant at = Instant.now();
        Attempt.Outcome outcome = switch (result) {
            case ROLLED_BACK -> Attempt.Outcome.ROLLED_BACK;
            case ROLLBACK_FAILED -> Attempt.Outcome.ROLLBACK_FAILED;
            default -> Attempt.Outcome.FAILED;
        };
        HostRecord next = record.withAttempt(attempt.ended(outcome, why, at)).withQuarantine(new HostRecord.Quarantine(attempt.path(), why, at))
                .withHold(null);
        if (now != null) {
            next = next.withLeft(now);
        }
        Deployment deployment = new Deployment(attempt.commit(), attempt.path(), result, generation, started, at, why);
        return Acted.of(FAILED, HostState.DEGRADED, why, now, next, DriftCause.FAILED_DEPLOY).withDeployment(deployment);
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
