package dev.driftless.host;

import java.time.Instant;

/**
 * Everything known about one host at one moment: the live state shown to users, and the durable
 * {@link HostRecord} the loop decides from. Immutable: each reconciliation returns a new status,
 * so readers never see a half-updated host.
 */
public record HostStatus(String name, String target, HostState state, Desired desired, Actual actual,
        Instant driftSince, DriftCause cause, Deployment lastDeployment, String message, Instant observedAt, HostRecord record) {

    public static HostStatus unknown(String name, String target) {
        return new HostStatus(name, target, HostState.UNKNOWN, null, null, null, null, null, "not observed yet", null, HostRecord.EMPTY);
    }

    public boolean inSync() {
        return state == HostState.IN_SYNC;
    }

    public HostStatus with(HostState newState, String newMessage) {
        return new HostStatus(name, target, newState, desired, actual, driftSince, cause, lastDeployment, newMessage, observedAt, record);
    }

    /** A new desired generation; a host that was in sync is not any more until it runs it. */
    public HostStatus withDesired(Desired newDesired) {
        boolean behind = state == HostState.IN_SYNC && newDesired != null && actual != null && !reaches(newDesired.path());
        return new HostStatus(name, target, behind ? HostState.OUT_OF_SYNC : state, newDesired, actual, driftSince, cause,
                lastDeployment, behind ? "commit " + newDesired.commit() + " is waiting to be deployed" : message, observedAt, record);
    }

    /** The host's target as its settings give it now. */
    public HostStatus retargeted(String newTarget) {
        return new HostStatus(name, newTarget, state, desired, actual, driftSince, cause, lastDeployment, message, observedAt, record);
    }

    public HostStatus withRecord(HostRecord newRecord) {
        return new HostStatus(name, target, state, desired, actual, driftSince, cause, lastDeployment, message, observedAt, newRecord);
    }

    public HostStatus observed(Actual newActual, Instant at) {
        return new HostStatus(name, target, state, desired, newActual, driftSince, cause, lastDeployment, message, at, record);
    }

    public HostStatus drifting(DriftCause newCause, Instant since) {
        Instant start = driftSince != null ? driftSince : since;
        return new HostStatus(name, target, state, desired, actual, start, newCause, lastDeployment, message, observedAt, record);
    }

    /**
     * The run's verdict that the host reached what it was asked for. A commit promoted while that
     * run acted is already this status's desired state: a host that does not run it yet is out of
     * sync, waiting for it, however good the run's own verdict was.
     */
    public HostStatus converged(String newMessage) {
        HostStatus reached = new HostStatus(name, target, HostState.IN_SYNC, desired, actual, null, null, lastDeployment, newMessage,
                observedAt, record);
        return reached.withDesired(desired);
    }

    public HostStatus converged() {
        return converged("running the committed generation");
    }

    public HostStatus deployed(Deployment deployment) {
        return new HostStatus(name, target, state, desired, actual, driftSince, cause, deployment, message, observedAt, record);
    }

    /**
     * Only a reboot brings the host to what it should run: its kernel, initrd or modules are not
     * the booted ones, or a generation staged for the next boot waits for it.
     */
    public boolean rebootRequired() {
        return actual != null && (actual.rebootRequired() || waitsForReboot());
    }

    /** The last attempt made its generation the boot default without activating it, and the host has not booted it yet. */
    public boolean waitsForReboot() {
        return record != null && record.waitsForReboot(actual);
    }

    /** Runs {@code path}, or has it as the boot default (a host whose goal is to boot it next). */
    private boolean reaches(String path) {
        return path.equals(actual.path()) || (actual.boot() != null && path.equals(actual.boot().bootDefault()) && waitsForReboot());
    }
}
