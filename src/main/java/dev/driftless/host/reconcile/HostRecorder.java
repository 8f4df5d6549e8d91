package dev.driftless.host.reconcile;

import dev.driftless.event.HostEvent;
import dev.driftless.fleet.Fleet;
import dev.driftless.fleet.FleetStore;
import dev.driftless.fleet.HistoryEntry;
import dev.driftless.fleet.HostEvents;
import dev.driftless.fleet.Incidents;
import dev.driftless.host.Actual;
import dev.driftless.host.Boot;
import dev.driftless.host.Deployment;
import dev.driftless.host.Desired;
import dev.driftless.host.DriftCause;
import dev.driftless.host.HostRecord;
import dev.driftless.host.HostState;
import dev.driftless.host.HostStatus;
import dev.driftless.metrics.DriftlessMetrics;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import org.jboss.logging.Logger;

/**
 * Writes down what a reconciliation did, once, from the difference between the host before and
 * after: the durable record first, then the live status, history, incidents, metrics, events and
 * the log. The reconciler decides and acts; only this writes.
 */
@ApplicationScoped
public class HostRecorder {

    private static final Logger LOG = Logger.getLogger(HostRecorder.class);

    private final Fleet fleet;
    private final FleetStore store;
    private final DriftlessMetrics metrics;
    private final Incidents incidents;
    private final HostEvents events;

    private final dev.driftless.fleet.DriftFindings findings;

    HostRecorder(Fleet fleet, FleetStore store, DriftlessMetrics metrics, Incidents incidents, HostEvents events,
            dev.driftless.fleet.DriftFindings findings) {
        this.findings = findings;
        this.fleet = fleet;
        this.store = store;
        this.metrics = metrics;
        this.incidents = incidents;
        this.events = events;
    }

    /**
     * A deployment is about to touch the host: its attempt is durable before anything changes
     * there, and the drift that caused it is written down.
     */
    void started(HostStatus before, Actual actual, HostRecord record, DriftCause cause) {
        String host = before.name();
        Desired desired = before.desired();
        save(before, record);
        fleet.update(host, s -> s.observed(actual, Instant.now()).drifting(cause, Instant.now())
                .with(HostState.DEPLOYING, "deploying commit " + Decide.shortSha(desired.commit())));
        drift(before, cause, actual, null);
        LOG.infof("host %s commit %.12s: deploying %s (host runs %s)", host, desired.commit(), desired.path(), Decide.describe(actual));
    }

    /**
     * An informational check that starts to drift (packages installed by hand) makes no incident,
     * but is said once: a history entry, a {@code drift.detected} event marked informational, a log
     * line. {@code reboot} has its own event ({@code host.reboot-required}).
     */
    private void noticed(String host, String commit, HostStatus after, java.util.List<dev.driftless.host.drift.Finding> now) {
        java.util.Set<dev.driftless.host.drift.DriftCheck> before = findings.of(host).map(s -> s.findings().stream()
                .filter(dev.driftless.host.drift.Finding::drift).map(dev.driftless.host.drift.Finding::check)
                .collect(java.util.stream.Collectors.toSet())).orElse(java.util.Set.of());
        for (dev.driftless.host.drift.Finding f : now) {
            if (!f.check().informational() || f.check() == dev.driftless.host.drift.DriftCheck.REBOOT || !f.drift() || before.contains(f.check())) {
                continue;
            }
            Actual actual = after.actual();
            store.append(host, new HistoryEntry(Instant.now(), HistoryEntry.DRIFT, commit, actual == null ? null : actual.path(),
                    actual == null ? null : actual.generation(), after.state().label(), f.check().label(), "information: " + f.summary()));
            events.publish(HostEvent.of(HostEvent.DRIFT_DETECTED, host, commit, Map.of("cause", f.check().label(), "check", f.check().label(),
                    "evidence", f.summary(), "informational", true, "actualPath", String.valueOf(actual == null ? null : actual.path()),
                    "desiredPath", after.desired() == null ? "null" : after.desired().path())));
            LOG.infof("host %s commit %.12s: %s (information; the host stays %s)", host, commit, f.summary(), after.state().label());
        }
    }

    ReconcileResult record(HostStatus before, Acted acted) {
        String host = before.name();
        String commit = before.desired() == null ? null : before.desired().commit();
        save(before, acted.record());
        HostStatus after = fleet.update(host, s -> apply(s, acted));
        if (acted.deployment() != null) {
            deployment(host, acted.deployment(), before.desired());
        }
        if (acted.requested()) {
            manualRollback(host, commit, acted.actual(), before.actual());
        }
        if (acted.deep() != null) {
            noticed(host, commit, after, acted.deep().findings());
            findings.record(host, acted.deep().findings());
            if (acted.deep().detected() != null && acted.cause() == null) {
                drift(before, acted.deep().detected(), acted.actual(), acted.deep().evidence()); // healed in this run: opened, then closed below
            }
        }
        if (acted.cause() != null && acted.deployment() == null) {
            drift(before, acted.cause(), acted.actual(), acted.cause().deep() && acted.deep() != null ? acted.deep().evidence() : acted.message());
        }
        if (after.state() == HostState.IN_SYNC) {
            incidents.recovered(host, commit);
        }
        if (after.rebootRequired() && !before.rebootRequired() && acted.actual() != null) {
            Boot boot = acted.actual().boot();
            String why = after.waitsForReboot() ? "its boot default " + boot.bootDefault() + " runs after the next reboot"
                    : "it runs a kernel, initrd or kernel modules it did not boot (booted " + boot.booted() + ")";
            events.publish(HostEvent.of(HostEvent.REBOOT_REQUIRED, host, commit, Map.of("booted", String.valueOf(boot.booted()),
                    "current", String.valueOf(acted.actual().path()), "bootDefault", String.valueOf(boot.bootDefault()), "reason", why)));
            LOG.warnf("host %s: reboot required: %s; runs %s", host, why, acted.actual().path());
        }
        log(before, after, acted, commit);
        return acted.result();
    }

    /**
     * Writes the record a run ends with. A request (sync, rollback) that arrived while the run
     * acted changed the hold or the quarantine since the run read them: those are kept.
     */
    private void save(HostStatus before, HostRecord next) {
        HostRecord base = before.record();
        fleet.changeRecord(before.name(), current -> {
            HostRecord merged = next;
            if (!Objects.equals(current.hold(), base.hold())) {
                merged = merged.withHold(current.hold());
            }
            if (!Objects.equals(current.quarantine(), base.quarantine())) {
                merged = merged.withQuarantine(current.quarantine());
            }
            return merged;
        }, r -> store.saveRecord(before.name(), r));
    }

    private static HostStatus apply(HostStatus s, Acted acted) {
        HostStatus next = s;
        if (acted.actual() != null) {
            next = next.observed(acted.actual(), Instant.now());
        }
        if (acted.deployment() != null) {
            next = next.deployed(acted.deployment());
        }
        if (acted.state() == HostState.IN_SYNC) {
            return next.converged(acted.message());
        }
        if (acted.cause() != null) {
            next = next.drifting(acted.cause(), Instant.now());
        }
        return next.with(acted.state(), acted.message());
    }

    /** A new cause of drift: history, event and incident; said once per cause, not at every resync. */
    private void drift(HostStatus before, DriftCause cause, Actual actual, String why) {
        String host = before.name();
        Desired desired = before.desired();
        String commit = desired == null ? null : desired.commit();
        if (cause == DriftCause.FAILED_DEPLOY || cause == DriftCause.LOST_CONNECTIVITY || cause == DriftCause.UNREACHABLE) {
            incidents.opened(host, cause, commit, why);
            return;
        }
        if (before.driftSince() != null && before.cause() == cause) {
            return;
        }
        String path = actual == null ? null : actual.path();
        String message = cause.deep() ? "runs the committed generation, but " + String.valueOf(why).replaceFirst("^" + cause.label() + ": ", "")
                : "runs " + path + ", committed " + (desired == null ? null : desired.path());
        store.append(host, new HistoryEntry(Instant.now(), HistoryEntry.DRIFT, commit, path, actual == null ? null : actual.generation(),
                HostState.OUT_OF_SYNC.label(), cause.label(), message));
        Map<String, Object> data = new HashMap<>();
        data.put("cause", cause.label());
        data.put("actualPath", String.valueOf(path));
        data.put("desiredPath", desired == null ? "null" : desired.path());
        data.put("generation", actual == null ? 0 : actual.generation());
        if (cause.deep()) {
            data.put("check", cause.label());
            data.put("evidence", String.valueOf(why));
            LOG.warnf("host %s commit %.12s: drift in %s", host, commit, why);
        }
        events.publish(HostEvent.of(HostEvent.DRIFT_DETECTED, host, commit, data));
        incidents.opened(host, cause, commit, cause.label() + ": " + message);
        if (cause == DriftCause.OUT_OF_BAND) {
            LOG.warnf("host %s commit %.12s: changed outside Driftless, now runs %s", host, commit, Decide.describe(actual));
        }
    }

    private void deployment(String host, Deployment d, Desired desired) {
        boolean ok = d.result() == Deployment.Result.SUCCEEDED;
        String kind = switch (d.result()) {
            case SUCCEEDED -> HistoryEntry.DEPLOYED;
            case ROLLED_BACK -> HistoryEntry.ROLLED_BACK;
            case ROLLBACK_FAILED -> HistoryEntry.ROLLBACK_FAILED;
            default -> HistoryEntry.DEPLOY_FAILED;
        };
        String type = ok ? HostEvent.DEPLOYMENT_SUCCEEDED
                : d.result() == Deployment.Result.ROLLED_BACK ? HostEvent.DEPLOYMENT_ROLLED_BACK : HostEvent.DEPLOYMENT_FAILED;
        metrics.deployment(host, d.result().label(), Duration.between(d.startedAt(), d.finishedAt()));
        store.append(host, new HistoryEntry(d.finishedAt(), kind, d.commit(), d.path(), d.generation(), null, d.reason(), d.message()));
        Map<String, Object> data = new HashMap<>();
        data.put("path", d.path());
        data.put("result", d.result().label());
        if (d.generation() != null) {
            data.put("generation", d.generation());
        }
        if (d.message() != null) {
            data.put("message", d.message());
        }
        if (d.reason() != null) {
            data.put("reason", d.reason());
        }
        events.publish(HostEvent.of(type, host, d.commit(), data));
        if (ok) {
            if (desired != null && desired.committedAt() != null && d.commit().equals(desired.commit())) {
                metrics.leadTime(Duration.between(desired.committedAt(), d.finishedAt()));
            }
        } else {
            DriftCause cause = DriftCause.LOST_CONNECTIVITY.label().equals(d.reason()) ? DriftCause.LOST_CONNECTIVITY : DriftCause.FAILED_DEPLOY;
            incidents.opened(host, cause, d.commit(), d.message());
        }
    }

    private void manualRollback(String host, String commit, Actual now, Actual from) {
        store.append(host, new HistoryEntry(Instant.now(), HistoryEntry.MANUAL_ROLLBACK, commit, now.path(), now.generation(),
                HostState.OUT_OF_SYNC.label(), null, "rolled back on request from " + (from == null ? null : from.path())));
        events.publish(HostEvent.of(HostEvent.DEPLOYMENT_ROLLED_BACK, host, commit,
                Map.of("path", String.valueOf(now.path()), "generation", now.generation(), "requested", true)));
    }

    /** One line per change worth telling; a resync that changes nothing stays quiet. */
    private static void log(HostStatus before, HostStatus after, Acted acted, String desiredCommit) {
        String host = after.name();
        String commit = desiredCommit == null ? "-" : desiredCommit;
        Deployment d = acted.deployment();
        if (d != null && d.result() == Deployment.Result.SUCCEEDED) {
            LOG.infof("host %s commit %.12s: in sync on generation %s after %d ms", host, d.commit(), d.generation(),
                    Duration.between(d.startedAt(), d.finishedAt()).toMillis());
        } else if (d != null) {
            LOG.errorf("host %s commit %.12s: deployment %s: %s. The generation is quarantined on this host until a new commit "
                    + "changes it or POST /api/v1/hosts/%s/sync asks for it.", host, d.commit(), d.result(), d.message(), host);
        } else if (before.state() == after.state() && Objects.equals(before.message(), after.message())) {
            return;
        } else if (after.state() == HostState.IN_SYNC) {
            LOG.infof("host %s commit %.12s: in sync: %s", host, commit, after.message());
        } else if (after.state() == HostState.UNREACHABLE) {
            LOG.warnf("host %s commit %.12s: unreachable: %s. Check the host and driftless.hosts.%s.target.", host, commit, after.message(), host);
        } else if (after.state() == HostState.DEGRADED) {
            LOG.errorf("host %s commit %.12s: degraded: %s", host, commit, after.message());
        } else {
            LOG.infof("host %s commit %.12s: %s: %s", host, commit, after.state(), after.message());
        }
    }
}
