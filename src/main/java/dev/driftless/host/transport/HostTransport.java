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
     * Runs {@code path/bin/switch-to-configuration switch} on the host, at most once per
     * {@code runId}: when a switch of that id already ran there (its session was lost), this
     * waits for it or reports how it ended instead of switching again. Fails when the switch
     * exits non-zero or a unit failed that was not failed before it.
     */
    void activate(String path, String runId) throws HostUnreachable, StepFailed;

    /**
     * What the host knows of the switch {@code runId}: running, or how it ended; empty when the
     * host keeps no such record (no systemd, a reboot since, or it never started).
     */
    java.util.Optional<SwitchUnit.Outcome> lastSwitch(String runId) throws HostUnreachable;

    /** Runs a health check command on the host; a non-zero exit or a timeout is a failure. */
    void checkHealth(String command, java.time.Duration timeout) throws HostUnreachable, StepFailed;
}
