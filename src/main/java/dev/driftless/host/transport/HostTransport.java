package dev.driftless.host.transport;

import dev.driftless.host.Actual;

/**
 * Reaches one host. Each method is one step of {@code nixos-rebuild --target-host}; each is
 * idempotent, so a reconciliation that is cut short can simply run again. Steps that change the
 * host hold a lock on the host itself, so that no two run there at once, even when one outlived
 * the controller's timeout: such a step throws {@link HostBusy} instead of starting.
 */
public interface HostTransport {

    /** Reads what the host runs now. */
    Actual observe() throws HostUnreachable;

    /**
     * Reads what the host runs and, in the same call where the host allows it, answers the deep
     * checks {@code checks}; a host that cannot do both at once answers the observation alone.
     */
    default Look look(java.util.Set<dev.driftless.host.drift.DriftCheck> checks) throws HostUnreachable {
        return new Look(observe(), null);
    }

    /**
     * Runs the deep drift checks ({@link dev.driftless.host.drift.Inspection}) against what the host
     * runs now, those of {@code checks} that a script answers; a host that cannot run them reports
     * each unknown.
     */
    default java.util.List<dev.driftless.host.drift.Finding> inspect(java.util.Set<dev.driftless.host.drift.DriftCheck> checks)
            throws HostUnreachable {
        return dev.driftless.host.drift.Inspection.findings("", checks);
    }

    /**
     * Returns once no deploy step runs on the host (its deploy lock is free), so that what is
     * observed next is what that step left; {@link HostBusy} when one still runs after a short wait.
     */
    void awaitIdle() throws HostUnreachable;

    /** Puts the closure of {@code path} into the host's store, checking its signature. */
    void copy(String path) throws HostUnreachable, StepFailed;

    /** Points the system profile at {@code path}, making a new generation, and returns its number. */
    int setProfile(String path) throws HostUnreachable, StepFailed;

    /**
     * Points the system profile back at generation {@code generation.generation()} and checks it
     * still is {@code generation.path()}; with no number, sets the profile to the path. Fails when
     * that generation is gone from the host.
     */
    void switchToGeneration(Actual generation) throws HostUnreachable, StepFailed;

    /** Moves the system profile back one generation and returns the path it now points at. */
    String rollbackProfile() throws HostUnreachable, StepFailed;

    /**
     * Runs {@code path/bin/switch-to-configuration <goal>} on the host, at most once per
     * {@code runId}: when a switch of that id already ran there (its session was lost), this
     * waits for it or reports how it ended instead of switching again. Fails when the switch
     * exits non-zero or a unit failed that was not failed before it.
     */
    void activate(String path, dev.driftless.host.Goal goal, String runId) throws HostUnreachable, StepFailed;

    /**
     * Why {@code path} cannot be switched to live, as NixOS's own check says: its
     * {@code switch-inhibitors} differ from the running generation's (a new systemd, say). Empty
     * when nothing stands in the way.
     */
    java.util.Optional<String> switchInhibited(String path) throws HostUnreachable;

    /**
     * What the host knows of the switch {@code runId}: running, or how it ended; empty when the
     * host keeps no such record (no systemd, a reboot since, or it never started).
     */
    java.util.Optional<SwitchUnit.Outcome> lastSwitch(String runId) throws HostUnreachable;

    /**
     * Arms the host-side guard of switch {@code runId} ({@link SwitchGuard}): unless confirmed
     * within {@code within} after that switch ends, the host returns itself to {@code before}.
     * Says {@code ARMED}; {@code UNSUPPORTED} where the host cannot keep a guard; or how the guard
     * of an earlier try of the same switch already fired. Fails when it cannot be armed.
     */
    SwitchGuard.State arm(String runId, Actual before, java.time.Duration within, dev.driftless.host.Goal goal) throws HostUnreachable, StepFailed;

    /**
     * Confirms switch {@code runId} over a new connection, trying until {@code within} has
     * passed: {@code DISARMED} (or {@code UNSUPPORTED}: the new connection is the proof), or how
     * its guard fired first. {@link HostUnreachable} when no new connection reached the host.
     */
    SwitchGuard.State confirm(String runId, java.time.Duration within) throws HostUnreachable, StepFailed;

    /** Takes the undo of switch {@code runId} on the controller: disarms its guard, or says how it fired. */
    SwitchGuard.State disarm(String runId) throws HostUnreachable, StepFailed;

    /** Waits up to {@code within} for the guard of switch {@code runId} to stop counting or firing; its last state. */
    SwitchGuard.State awaitGuard(String runId, java.time.Duration within) throws HostUnreachable;

    /** Runs a health check command on the host; a non-zero exit or a timeout is a failure. */
    void checkHealth(String command, java.time.Duration timeout) throws HostUnreachable, StepFailed;

    /**
     * Starts watching the host for a change of its current-system link or system profile between
     * resyncs, calling {@code changed} for each (not for where they start); empty where the host
     * cannot be watched now, in which case the resync alone notices.
     */
    default java.util.Optional<HostWatch> watch(Runnable changed) {
        return java.util.Optional.empty();
    }

    /** Ends what this transport keeps open to the host (a session), once the host is no longer reconciled here. */
    default void close() {}
}
