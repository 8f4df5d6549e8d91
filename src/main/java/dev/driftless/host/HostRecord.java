package dev.driftless.host;

import java.time.Instant;
import java.util.Objects;

/**
 * What the reconcile loop must remember about a host beyond what the host itself shows: one
 * durable status per host, kept in the store (and the state topics in distributed mode), so that
 * a restart or a hand-over decides exactly as the controller before it would have.
 *
 * @param applied    the generation last activated with success and whose checks passed
 * @param attempt    the last deployment tried, {@link Attempt.Outcome#IN_PROGRESS} until it ends
 * @param quarantine a generation that failed on this host: not tried again until the desired path
 *                   changes or a sync is asked for
 * @param hold       a host held where it is by a rollback request, until a sync or a new commit
 * @param left       the generation Driftless last left the host on; anything else it runs was put
 *                   there by someone else (out-of-band)
 */
public record HostRecord(Applied applied, Attempt attempt, Quarantine quarantine, Hold hold, Actual left) {

    public static final HostRecord EMPTY = new HostRecord(null, null, null, null, null);

    /** A generation that was activated and passed its checks. */
    public record Applied(String commit, String path, int generation, Instant at) {}

    /**
     * One deployment tried; {@code before} is what the host ran when it started, the rollback
     * target; {@code tries}: how many runs started it, more than one when it was cut short.
     */
    public record Attempt(String commit, String path, Actual before, Outcome outcome, String reason, Instant at, int tries) {

        /** How many times a deployment cut short is started again before it counts as failed. */
        public static final int MAX_TRIES = 3;

        public enum Outcome {
            /** Started and not ended: the controller stopped, the connection dropped or a step timed out. */
            IN_PROGRESS,
            SUCCEEDED,
            /** Failed and could not be undone: no generation to return to, or failed before touching the host. */
            FAILED,
            /** Failed and the host runs {@code before} again, verified. */
            ROLLED_BACK,
            /** Failed and the return to {@code before} failed too: a person must look. */
            ROLLBACK_FAILED,
            /** Made the boot default without being activated (goal boot, or a switch NixOS inhibits): it runs after a reboot. */
            STAGED
        }

        public boolean inProgress() {
            return outcome == Outcome.IN_PROGRESS;
        }



        public Attempt ended(Outcome how, String why, Instant at) {
            return new Attempt(commit, path, before, how, why, at, tries);
        }
    }

    public record Quarantine(String path, String reason, Instant at) {}

    /**
     * A host held on a generation. {@code pending}: asked for, not yet done. {@code against}: the
     * desired path when it was asked; a new one releases the hold.
     */
    public record Hold(Actual on, String against, boolean pending, String reason, Instant at) {}

    public boolean quarantined(String path) {
        return quarantine != null && path != null && path.equals(quarantine.path());
    }

    public HostRecord withApplied(Applied a) {
        return new HostRecord(a, attempt, quarantine, hold, left);
    }

    public HostRecord withAttempt(Attempt a) {
        return new HostRecord(applied, a, quarantine, hold, left);
    }

    public HostRecord withQuarantine(Quarantine q) {
        return new HostRecord(applied, attempt, q, hold, left);
    }

    public HostRecord withHold(Hold h) {
        return new HostRecord(applied, attempt, quarantine, h, left);
    }

    public HostRecord withLeft(Actual l) {
        return new HostRecord(applied, attempt, quarantine, hold, l);
    }

    /** What a sync request asks: forget the quarantine and the hold, so the desired generation is tried again. */
    public HostRecord released() {
        return new HostRecord(applied, attempt, null, null, left);
    }

    /** A rollback request, held until the host's loop carries it out. */
    public HostRecord rollbackRequested(String desiredPath, Instant at) {
        return withHold(new Hold(null, desiredPath, true, "rollback requested", at));
    }

    /** True when {@code actual} is not where Driftless left the host. */
    /**
     * The last attempt made its generation the boot default without activating it (goal boot, or
     * a switch NixOS inhibits), and {@code actual} shows the host has not booted it yet.
     */
    public boolean waitsForReboot(Actual actual) {
        return attempt != null && attempt.outcome() == Attempt.Outcome.STAGED && actual != null && actual.boot() != null
                && attempt.path().equals(actual.boot().bootDefault()) && !attempt.path().equals(actual.path());
    }

    public boolean movedFrom(Actual actual) {
        return left != null && left.path() != null && !Objects.equals(left.path(), actual.path());
    }
}
