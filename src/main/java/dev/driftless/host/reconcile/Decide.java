package dev.driftless.host.reconcile;

import dev.driftless.host.Actual;
import dev.driftless.host.Desired;
import dev.driftless.host.DriftCause;
import dev.driftless.host.Goal;
import dev.driftless.host.HostRecord;
import dev.driftless.host.HostRecord.Attempt;
import dev.driftless.host.HostState;
import java.util.Objects;

/**
 * What to do with a host, as a pure function of what the loop remembers ({@link HostRecord}),
 * what should run ({@link Desired}), what runs ({@link Actual}) and the host's policy. No I/O,
 * so every row of the decision table is a unit test ({@code DecideTest}).
 *
 * <p>The rules that keep the truth: a host is InSync only when it runs the desired generation
 * and that generation passed its checks here; a generation that failed on a host is not tried
 * again there until the desired path moves or a sync is asked for; a rollback always returns to
 * the generation the host ran before the deployment, never to "the previous number".
 */
public final class Decide {

    private Decide() {}

    public static Decision decide(HostRecord record, Desired desired, Actual actual, boolean heal) {
        return decide(record, desired, actual, heal, Goal.SWITCH);
    }

    /**
     * {@code goal}: how the host takes a generation. A generation staged as the boot default (goal
     * boot, or a switch NixOS inhibits) waits there for a reboot instead of being deployed again.
     */
    public static Decision decide(HostRecord record, Desired desired, Actual actual, boolean heal, Goal goal) {
        HostRecord.Hold hold = record.hold();
        if (hold != null && hold.pending()) {
            return new Decision.RollBack(rollbackTarget(record, actual), "rollback requested");
        }
        if (hold != null && (desired == null || desired.path().equals(hold.against()))) {
            return new Decision.Wait(HostState.OUT_OF_SYNC, "held on " + describe(hold.on())
                    + " by a rollback request; POST /api/v1/hosts/{name}/sync or push a commit to resume");
        }
        if (desired == null) {
            return new Decision.Wait(HostState.UNKNOWN, "waiting for a commit that evaluates and builds");
        }
        Attempt attempt = record.attempt();
        boolean cutShort = attempt != null && attempt.inProgress();
        if (cutShort && attempt.path().equals(desired.path())) {
            if (!desired.path().equals(actual.path()) && attempt.tries() >= Attempt.MAX_TRIES) {
                return new Decision.GiveUp("the deployment of commit " + shortSha(desired.commit()) + " was cut short " + attempt.tries()
                        + " times (a step outlived driftless.deploy.timeout or the connection dropped)");
            }
            return desired.path().equals(actual.path())
                    ? new Decision.Verify("the deployment of " + desired.path() + " was cut short after its switch; checking it")
                    : new Decision.Deploy(DriftCause.NEW_COMMIT, attempt.before(), "resuming the deployment of commit "
                            + shortSha(desired.commit()) + " that was cut short");
        }
        if (record.waitsForReboot(actual) && attempt.path().equals(desired.path())) {
            String waiting = "the committed generation is the boot default; it runs after the next reboot";
            return goal == Goal.BOOT ? new Decision.Converged(waiting + " (goal boot)")
                    : new Decision.Wait(HostState.OUT_OF_SYNC, waiting + ": " + attempt.reason());
        }
        if (desired.path().equals(actual.path())) {
            if (record.quarantined(desired.path())) {
                return new Decision.Wait(HostState.DEGRADED, "runs " + desired.path() + ", which failed here: "
                        + record.quarantine().reason() + "; push a fixed commit, or POST sync to try it again");
            }
            if (record.applied() != null && desired.path().equals(record.applied().path())) {
                return new Decision.Converged("running the committed generation");
            }
            return new Decision.Verify("runs the committed generation, which has not passed its checks here yet");
        }
        if (record.quarantined(desired.path())) {
            return new Decision.Wait(HostState.DEGRADED, "commit " + shortSha(desired.commit()) + " failed here and is not tried again: "
                    + record.quarantine().reason() + "; runs " + describe(actual) + "; push a fixed commit, or POST sync to try it again");
        }
        Actual before = actual;
        DriftCause cause = record.movedFrom(actual) ? DriftCause.OUT_OF_BAND : DriftCause.NEW_COMMIT;
        if (cutShort) {
            // A deployment of an older desired generation was cut short: the host may run it, never
            // checked, so the way back is still what the host ran before that deployment.
            before = attempt.before();
            boolean ours = Objects.equals(actual.path(), attempt.path()) || (before != null && Objects.equals(actual.path(), before.path()));
            cause = ours ? DriftCause.NEW_COMMIT : DriftCause.OUT_OF_BAND;
        } else if (hold != null) {
            cause = DriftCause.NEW_COMMIT; // a new commit releases the hold; the host was held where it is on purpose
        }
        if (!heal) {
            return new Decision.Report(cause, "policy is report: not deploying " + desired.path() + "; runs " + describe(actual));
        }
        return new Decision.Deploy(cause, before, cause == DriftCause.OUT_OF_BAND
                ? "changed outside Driftless: runs " + describe(actual) : "commit " + shortSha(desired.commit()) + " is desired");
    }

    /**
     * Where a requested rollback goes: the generation the host ran before its last successful
     * deployment, when the host still runs that deployment; otherwise the profile's previous one.
     */
    static Actual rollbackTarget(HostRecord record, Actual actual) {
        Attempt last = record.attempt();
        if (last != null && last.outcome() == Attempt.Outcome.SUCCEEDED && Objects.equals(last.path(), actual.path())
                && last.before() != null && last.before().path() != null && !last.before().path().equals(actual.path())) {
            return last.before();
        }
        return null;
    }

    static String describe(Actual a) {
        if (a == null || a.path() == null) {
            return "no generation";
        }
        return a.generation() > 0 ? "generation " + a.generation() + " (" + a.path() + ")" : a.path();
    }

    static String shortSha(String sha) {
        return sha == null ? "-" : sha.length() > 12 ? sha.substring(0, 12) : sha;
    }
}
