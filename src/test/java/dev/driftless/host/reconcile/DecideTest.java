package dev.driftless.host.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.driftless.host.Actual;
import dev.driftless.host.Boot;
import dev.driftless.host.Desired;
import dev.driftless.host.DriftCause;
import dev.driftless.host.Goal;
import dev.driftless.host.HostRecord;
import dev.driftless.host.HostRecord.Applied;
import dev.driftless.host.HostRecord.Attempt;
import dev.driftless.host.HostRecord.Attempt.Outcome;
import dev.driftless.host.HostRecord.Hold;
import dev.driftless.host.HostRecord.Quarantine;
import dev.driftless.host.HostState;
import java.time.Instant;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The decision table of the reconcile loop: one row per case, named for the behaviour. Each row
 * gives what the loop remembers, what should run and what runs, and the one decision expected.
 */
class DecideTest {

    private static final Instant T = Instant.parse("2026-12-01T00:00:00Z");
    private static final Actual A = new Actual("/nix/store/aaa-host", 1);
    private static final Actual B = new Actual("/nix/store/bbb-host", 2);
    private static final Actual C = new Actual("/nix/store/ccc-host", 3);
    private static final Actual BY_HAND = new Actual("/nix/store/xxx-host", 4);
    private static final Actual NOTHING = Actual.NOTHING;

    private static Desired desired(Actual a) {
        return new Desired("c0ffee" + a.generation(), T, a.path().replace("-host", ".drv"), a.path());
    }

    private static HostRecord appliedOn(Actual a) {
        return HostRecord.EMPTY.withApplied(new Applied("c0ffee" + a.generation(), a.path(), a.generation(), T)).withLeft(a);
    }

    private static Attempt attempt(Actual of, Actual before, Outcome outcome) {
        return new Attempt("c0ffee" + of.generation(), of.path(), before, outcome, null, T, 1);
    }

    private static HostRecord quarantined(HostRecord r, Actual failed) {
        return r.withQuarantine(new Quarantine(failed.path(), "health check failed", T));
    }

    record Row(String behaviour, HostRecord record, Desired desired, Actual actual, boolean heal, Class<? extends Decision> expected,
            Object detail) {
        @Override
        public String toString() {
            return behaviour;
        }
    }

    static Stream<Arguments> table() {
        HostRecord onA = appliedOn(A);
        HostRecord bFailedBackOnA = quarantined(onA.withAttempt(attempt(B, A, Outcome.ROLLED_BACK)), B);
        HostRecord firstFailed = quarantined(HostRecord.EMPTY.withAttempt(attempt(A, NOTHING, Outcome.FAILED)), A);
        HostRecord rollbackFailed = quarantined(onA.withAttempt(attempt(B, A, Outcome.ROLLBACK_FAILED)), B);
        HostRecord bSucceededFromA = appliedOn(B).withAttempt(attempt(B, A, Outcome.SUCCEEDED));
        HostRecord heldOnA = bSucceededFromA.withHold(new Hold(A, B.path(), false, "rolled back on request", T)).withLeft(A);
        HostRecord cutShortOnB = onA.withAttempt(attempt(B, A, Outcome.IN_PROGRESS));
        return Stream.of(
                new Row("no commit has built yet: wait, Unknown", HostRecord.EMPTY, null, NOTHING, true, Decision.Wait.class, HostState.UNKNOWN),
                new Row("first commit on an empty host: deploy it, nothing to return to", HostRecord.EMPTY, desired(A), NOTHING, true,
                        Decision.Deploy.class, NOTHING),
                new Row("runs the desired generation that passed its checks: converged", onA, desired(A), A, true, Decision.Converged.class, null),
                new Row("new commit: deploy, and the way back is what runs now", onA, desired(B), A, true, Decision.Deploy.class, A),
                new Row("changed by hand: deploy again, cause out-of-band", onA, desired(A), BY_HAND, true, Decision.Deploy.class,
                        DriftCause.OUT_OF_BAND),
                new Row("changed by hand under policy report: report, touch nothing", onA, desired(A), BY_HAND, false, Decision.Report.class,
                        DriftCause.OUT_OF_BAND),
                new Row("B failed and the host is back on A: Degraded, B is not tried again", bFailedBackOnA, desired(B), A, true,
                        Decision.Wait.class, HostState.DEGRADED),
                new Row("C after B failed: deploy C, and the way back is A, never B", bFailedBackOnA, desired(C), A, true,
                        Decision.Deploy.class, A),
                new Row("first generation failed its check and still runs: Degraded, never InSync", firstFailed, desired(A), A, true,
                        Decision.Wait.class, HostState.DEGRADED),
                new Row("rollback failed and the failed generation runs: Degraded, never InSync", rollbackFailed, desired(B), B, true,
                        Decision.Wait.class, HostState.DEGRADED),
                new Row("the next good commit after a failed first generation: deploy it", firstFailed, desired(B), A, true,
                        Decision.Deploy.class, A),
                new Row("cut short after the switch (connection lost, timeout, restart): verify before calling it InSync", cutShortOnB,
                        desired(B), B, true, Decision.Verify.class, null),
                new Row("cut short before the switch: resume, the way back is still A", cutShortOnB, desired(B), A, true,
                        Decision.Deploy.class, A),
                new Row("cut short three times before the switch ended: give up, count it failed, return to A",
                        onA.withAttempt(new Attempt("c0ffee2", B.path(), A, Outcome.IN_PROGRESS, null, T, Attempt.MAX_TRIES)), desired(B), A, true,
                        Decision.GiveUp.class, null),
                new Row("cut short three times but the switch did end: verify, it may well be good",
                        onA.withAttempt(new Attempt("c0ffee2", B.path(), A, Outcome.IN_PROGRESS, null, T, Attempt.MAX_TRIES)), desired(B), B, true,
                        Decision.Verify.class, null),
                new Row("cut short and a newer commit came: deploy it, the way back is still A", cutShortOnB, desired(C), B, true,
                        Decision.Deploy.class, A),
                new Row("runs the desired generation without a verdict (state from an older version): verify", HostRecord.EMPTY, desired(A), A,
                        true, Decision.Verify.class, null),
                new Row("rollback requested after B succeeded from A: back to exactly A", bSucceededFromA.rollbackRequested(B.path(), T),
                        desired(B), B, true, Decision.RollBack.class, A),
                new Row("rollback requested with no known way back: the profile's previous generation", appliedOn(B).rollbackRequested(B.path(), T),
                        desired(B), B, true, Decision.RollBack.class, null),
                new Row("held after a requested rollback: wait, not out-of-band", heldOnA, desired(B), A, true, Decision.Wait.class,
                        HostState.OUT_OF_SYNC),
                new Row("held, then a new commit: the hold ends and C is deployed as a new commit", heldOnA, desired(C), A, true,
                        Decision.Deploy.class, DriftCause.NEW_COMMIT),
                new Row("held host released by a sync: deploy as a new commit, not out-of-band", heldOnA.released(), desired(B), A, true,
                        Decision.Deploy.class, DriftCause.NEW_COMMIT),
                new Row("quarantine released by a sync: B is tried again", bFailedBackOnA.released(), desired(B), A, true,
                        Decision.Deploy.class, A))
                .map(Arguments::of);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("table")
    void decides(Row row) {
        Decision d = Decide.decide(row.record(), row.desired(), row.actual(), row.heal());
        assertInstanceOf(row.expected(), d, row.behaviour() + ": " + d);
        assertTrue(d.reason() != null && !d.reason().isBlank(), "every decision says why");
        if (row.detail() instanceof HostState state) {
            assertEquals(state, ((Decision.Wait) d).state(), d.reason());
        } else if (row.detail() instanceof DriftCause cause) {
            assertEquals(cause, d instanceof Decision.Deploy deploy ? deploy.cause() : ((Decision.Report) d).cause(), d.reason());
        } else if (row.detail() instanceof Actual way && d instanceof Decision.Deploy deploy) {
            assertEquals(way, deploy.before(), "rollback target: " + d.reason());
        } else if (d instanceof Decision.RollBack back) {
            assertEquals(row.detail(), back.target(), d.reason());
        }
    }

    /** What a host shows after a boot-default change: it runs {@code runs} and boots {@code next} next. */
    private static Actual running(Actual runs, Actual next) {
        return new Actual(runs.path(), runs.generation(), new Boot(runs.path(), next.path(), false));
    }

    record GoalRow(String behaviour, HostRecord record, Desired desired, Actual actual, Goal goal, Class<? extends Decision> expected,
            HostState state) {
        @Override
        public String toString() {
            return behaviour;
        }
    }

    static Stream<Arguments> goalTable() {
        HostRecord bStagedFromA = appliedOn(A).withAttempt(attempt(B, A, Outcome.STAGED));
        return Stream.of(
                new GoalRow("a boot host whose boot default is the desired generation waits for a reboot, in sync for its goal",
                        bStagedFromA, desired(B), running(A, B), Goal.BOOT, Decision.Converged.class, null),
                new GoalRow("a switch NixOS inhibited waits for the reboot out of sync, not deployed again",
                        bStagedFromA, desired(B), running(A, B), Goal.SWITCH, Decision.Wait.class, HostState.OUT_OF_SYNC),
                new GoalRow("rebooted into the staged generation: checked before it is InSync",
                        bStagedFromA, desired(B), running(B, B), Goal.BOOT, Decision.Verify.class, null),
                new GoalRow("the boot default was moved away by hand: deploy again",
                        bStagedFromA, desired(B), running(A, C), Goal.BOOT, Decision.Deploy.class, null),
                new GoalRow("a newer commit while one waits for a reboot: deploy the newer one",
                        bStagedFromA, desired(C), running(A, B), Goal.BOOT, Decision.Deploy.class, null))
                .map(Arguments::of);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("goalTable")
    void decidesForTheHostsGoal(GoalRow row) {
        Decision d = Decide.decide(row.record(), row.desired(), row.actual(), true, row.goal());
        assertInstanceOf(row.expected(), d, row.behaviour() + ": " + d);
        if (row.state() != null) {
            assertEquals(row.state(), ((Decision.Wait) d).state(), d.reason());
        }
    }
}
