package dev.driftless.api;

import dev.driftless.host.Actual;
import dev.driftless.host.Deployment;
import dev.driftless.host.HostRecord;
import dev.driftless.host.HostStatus;
import dev.driftless.inventory.HostSettings;
import dev.driftless.secret.Redaction;
import java.time.Instant;
import java.util.Locale;

/**
 * A host as {@code /api/v1/hosts} shows it: its state, and the durable record its loop decides
 * from (what was last applied with success, the last attempt and what the host ran before it, a
 * quarantined generation, a hold).
 */
public record HostView(String name, String target, String state, boolean inSync, DesiredView desired, ActualView actual,
        Instant driftSince, String driftCause, DeploymentView lastDeployment, String message, Instant observedAt, boolean owned,
        AppliedView lastApplied, AttemptView lastAttempt, QuarantineView quarantine, HoldView hold, boolean rebootRequired, BootView boot,
        boolean managed, java.util.List<String> tags,
        @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL) java.util.Map<String, String> settingsFrom,
        java.util.Map<String, CheckView> drift) {

    /** A deep drift check's last result: {@code status} drift, clean or unknown; what shows it; when it was made. */
    @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
    public record CheckView(String status, java.util.List<String> evidence, Instant at, String policy) {}

    /** {@code booted}: {@code /run/booted-system}; {@code bootDefault}: what the system profile, and so the next boot, points at. */
    public record BootView(String booted, String bootDefault) {}

    public record DesiredView(String commit, Instant committedAt, String path) {}

    public record ActualView(String path, int generation) {}

    public record DeploymentView(String commit, String path, String result, Integer generation, Instant startedAt,
            Instant finishedAt, String message, String reason) {}

    public record AppliedView(String commit, String path, int generation, Instant at) {}

    /** {@code result}: in_progress, succeeded, failed, rolled_back or rollback_failed; {@code before}: the rollback target. */
    public record AttemptView(String commit, String path, String result, String reason, Instant at, ActualView before) {}

    public record QuarantineView(String path, String reason, Instant since) {}

    /** {@code pending}: asked for and not yet carried out; {@code on}: where the host is held; released by a sync or a new commit. */
    public record HoldView(ActualView on, boolean pending, String reason, Instant since) {}

    /**
     * {@code owned}: this controller reconciles the host; otherwise its state is as its own controller last reported it.
     * {@code managed}: the fleet's inventory declares it; {@code settingsFrom}: where each of its settings came from
     * ({@code flake:<source>}, {@code configuration}, {@code hosts-default}, {@code default}). {@code settings} is null for an
     * unmanaged host.
     */
    /** {@code drift}: the last deep drift findings, by check, when this controller reconciles the host and has checked it. */
    static HostView of(HostStatus s, boolean owned, HostSettings settings, dev.driftless.fleet.DriftFindings.Snapshot found) {
        return of(s, owned, settings, found, true);
    }

    /**
     * {@code detail} false for the fleet's list, which stays small for thousands of hosts: each
     * check's status, and evidence only where it drifts; no {@code settingsFrom}, and no check's
     * {@code at}, {@code policy} or reason for being unknown. The host's own view has them all.
     */
    static HostView of(HostStatus s, boolean owned, HostSettings settings, dev.driftless.fleet.DriftFindings.Snapshot found, boolean detail) {
        HostRecord r = s.record() == null ? HostRecord.EMPTY : s.record();
        return new HostView(s.name(), s.target(), s.state().label(), s.inSync(),
                s.desired() == null ? null : new DesiredView(s.desired().commit(), s.desired().committedAt(), s.desired().path()),
                actual(s.actual()), s.driftSince(), s.cause() == null ? null : s.cause().label(), deployment(s.lastDeployment()),
                Redaction.redact(s.message()), s.observedAt(), owned,
                r.applied() == null ? null : new AppliedView(r.applied().commit(), r.applied().path(), r.applied().generation(), r.applied().at()),
                r.attempt() == null ? null : new AttemptView(r.attempt().commit(), r.attempt().path(),
                        r.attempt().outcome().name().toLowerCase(Locale.ROOT), Redaction.redact(r.attempt().reason()), r.attempt().at(), actual(r.attempt().before())),
                r.quarantine() == null ? null : new QuarantineView(r.quarantine().path(), Redaction.redact(r.quarantine().reason()), r.quarantine().at()),
                r.hold() == null ? null : new HoldView(actual(r.hold().on()), r.hold().pending(), r.hold().reason(), r.hold().at()),
                s.rebootRequired(), s.actual() == null || s.actual().boot() == null ? null
                        : new BootView(s.actual().boot().booted(), s.actual().boot().bootDefault()),
                settings != null, settings == null ? java.util.List.of() : settings.tags(),
                !detail ? null : settings == null ? java.util.Map.of() : new java.util.TreeMap<>(settings.from()), drift(found, settings, detail));
    }

    private static java.util.Map<String, CheckView> drift(dev.driftless.fleet.DriftFindings.Snapshot found, HostSettings settings, boolean detail) {
        java.util.Map<String, CheckView> views = new java.util.TreeMap<>();
        if (found == null) {
            return views;
        }
        for (dev.driftless.host.drift.Finding f : found.findings()) {
            String policy = settings == null ? null : settings.drift().get(f.check()).label();
            String status = !f.known() ? "unknown" : f.drift() ? "drift" : "clean";
            views.put(f.check().label(), detail
                    ? new CheckView(status, f.evidence().stream().map(Redaction::redact).toList(), found.at(), policy)
                    : new CheckView(status, f.drift() ? f.evidence().stream().map(Redaction::redact).toList() : null, null, null));
        }
        return views;
    }

    private static ActualView actual(Actual a) {
        return a == null ? null : new ActualView(a.path(), a.generation());
    }

    private static DeploymentView deployment(Deployment d) {
        return d == null ? null : new DeploymentView(d.commit(), d.path(), d.result().label(), d.generation(), d.startedAt(),
                d.finishedAt(), Redaction.redact(d.message()), d.reason());
    }
}
