package dev.driftless.host.reconcile;

import dev.driftless.host.DriftCause;
import dev.driftless.host.Goal;
import dev.driftless.host.HostState;
import dev.driftless.host.drift.DriftCheck;
import dev.driftless.host.drift.DriftPolicy;
import dev.driftless.host.drift.Finding;
import dev.driftless.host.transport.HostTransport;
import dev.driftless.host.transport.HostUnreachable;
import dev.driftless.host.transport.StepFailed;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The deep drift checks of a host that runs its committed generation: inspect it, and by each
 * check's policy heal (re-activate the generation, which puts /etc back and starts its units, then
 * look again) or report. Runs only after a run that left the host InSync, so it never stands in
 * the way of a deployment.
 */
final class DeepDrift {

    private DeepDrift() {}

    /** What to do about a set of findings: nothing, heal these, or report these. */
    sealed interface Verdict {
        record Clean() implements Verdict {}

        record Heal(List<Finding> drifting) implements Verdict {}

        record Report(List<Finding> drifting) implements Verdict {}
    }

    /**
     * Pure: the checks whose policy is ignore do not count; any drifting check whose policy is
     * heal makes it a heal (re-activation fixes every check at once); otherwise drift is reported.
     */
    static Verdict decide(List<Finding> findings, Map<DriftCheck, DriftPolicy> policies) {
        List<Finding> drifting = findings.stream().filter(Finding::drift)
                .filter(f -> policies.getOrDefault(f.check(), DriftPolicy.REPORT) != DriftPolicy.IGNORE).toList();
        if (drifting.isEmpty()) {
            return new Verdict.Clean();
        }
        boolean heal = drifting.stream().anyMatch(f -> policies.getOrDefault(f.check(), DriftPolicy.REPORT) == DriftPolicy.HEAL);
        return heal ? new Verdict.Heal(drifting) : new Verdict.Report(drifting);
    }

    /** The run's result with the deep checks done on top of it; {@code acted} left the host InSync. */
    static Acted check(Acted acted, HostTransport transport, Map<DriftCheck, DriftPolicy> policies) {
        if (policies.values().stream().allMatch(p -> p == DriftPolicy.IGNORE) || acted.actual() == null || acted.actual().path() == null) {
            return acted;
        }
        List<Finding> found;
        try {
            found = shown(transport.inspect(), policies);
        } catch (HostUnreachable e) {
            return acted; // the generation was just seen; the checks try again at the next resync
        }
        Verdict verdict = decide(found, policies);
        if (verdict instanceof Verdict.Clean) {
            return acted.withDeep(new Acted.Deep(found, null, null));
        }
        List<Finding> drifting = verdict instanceof Verdict.Heal h ? h.drifting() : ((Verdict.Report) verdict).drifting();
        DriftCause cause = DriftCause.of(drifting.get(0).check());
        String evidence = summary(drifting);
        if (verdict instanceof Verdict.Heal) {
            String why;
            try {
                // test: activate now without touching the boot default, which already is this generation or the host's goal's.
                transport.activate(acted.actual().path(), Goal.TEST, "reactivate-" + System.currentTimeMillis());
                List<Finding> after = shown(transport.inspect(), policies);
                if (decide(after, policies) instanceof Verdict.Clean) {
                    return new Acted(acted.outcome(), HostState.IN_SYNC, "re-activated generation " + acted.actual().generation()
                            + " to heal drift: " + evidence, acted.actual(), acted.record(), null, null, false, null,
                            new Acted.Deep(after, cause, evidence));
                }
                why = "re-activation did not heal it: " + summary(after.stream().filter(Finding::drift).toList());
                found = after;
            } catch (StepFailed | HostUnreachable e) {
                why = "re-activation failed: " + e.getMessage();
            }
            return Acted.of(ReconcileResult.Outcome.FAILED, HostState.DEGRADED, evidence + "; " + why, acted.actual(), acted.record(), cause)
                    .withDeep(new Acted.Deep(found, cause, evidence));
        }
        return Acted.of(ReconcileResult.Outcome.WAITING, HostState.OUT_OF_SYNC, "drift reported, not healed (policy report): " + evidence,
                acted.actual(), acted.record(), cause).withDeep(new Acted.Deep(found, cause, evidence));
    }

    private static List<Finding> shown(List<Finding> all, Map<DriftCheck, DriftPolicy> policies) {
        return all.stream().filter(f -> policies.getOrDefault(f.check(), DriftPolicy.REPORT) != DriftPolicy.IGNORE).toList();
    }

    static String summary(List<Finding> drifting) {
        return drifting.stream().map(Finding::summary).collect(Collectors.joining("; "));
    }
}
