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
import dev.driftless.host.Actual;
import dev.driftless.host.Boot;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
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
     * Pure: the checks whose policy is ignore, and the informational ones, do not count; any
     * drifting check whose policy is heal makes it a heal (re-activation fixes every healable
     * check at once); otherwise drift is reported.
     */
    static Verdict decide(List<Finding> findings, Map<DriftCheck, DriftPolicy> policies) {
        List<Finding> drifting = findings.stream().filter(Finding::drift).filter(f -> !f.check().informational())
                .filter(f -> policies.getOrDefault(f.check(), DriftPolicy.REPORT) != DriftPolicy.IGNORE).toList();
        if (drifting.isEmpty()) {
            return new Verdict.Clean();
        }
        boolean heal = drifting.stream().anyMatch(f -> policies.getOrDefault(f.check(), DriftPolicy.REPORT) == DriftPolicy.HEAL);
        return heal ? new Verdict.Heal(drifting) : new Verdict.Report(drifting);
    }

    /**
     * Which checks a run asks the host, and what earlier runs found that still holds: the
     * {@code store} check reads the whole closure, so between its runs its last finding is carried.
     */
    record Plan(Set<DriftCheck> inspect, List<Finding> carried, List<Finding> prefetched) {

        Plan(Set<DriftCheck> inspect, List<Finding> carried) {
            this(inspect, carried, null);
        }

        /** The same checks, whose answers came with the observation ({@code findings} null: they did not). */
        Plan answered(List<Finding> findings) {
            return new Plan(inspect, carried, findings);
        }

        static Plan every(Map<DriftCheck, DriftPolicy> policies) {
            return new Plan(scripted(policies, true), List.of());
        }

        /** The checks the host-side script answers whose policy is not ignore; {@code store} only when {@code withStore}. */
        static Set<DriftCheck> scripted(Map<DriftCheck, DriftPolicy> policies, boolean withStore) {
            Set<DriftCheck> checks = EnumSet.noneOf(DriftCheck.class);
            for (DriftCheck c : DriftCheck.values()) {
                if (c != DriftCheck.REBOOT && (withStore || c != DriftCheck.STORE) && policies.getOrDefault(c, DriftPolicy.REPORT) != DriftPolicy.IGNORE) {
                    checks.add(c);
                }
            }
            return checks;
        }
    }

    /** The run's result with the deep checks done on top of it; {@code acted} left the host InSync. */
    static Acted check(Acted acted, HostTransport transport, Map<DriftCheck, DriftPolicy> policies) {
        return check(acted, transport, policies, Plan.every(policies));
    }

    static Acted check(Acted acted, HostTransport transport, Map<DriftCheck, DriftPolicy> policies, Plan plan) {
        if (policies.values().stream().allMatch(p -> p == DriftPolicy.IGNORE) || acted.actual() == null || acted.actual().path() == null) {
            return acted;
        }
        List<Finding> found;
        try {
            found = shown(plan.prefetched() != null ? with(acted, plan.prefetched(), plan.carried(), policies)
                    : look(acted, transport, plan.inspect(), plan.carried(), policies), policies);
        } catch (HostUnreachable e) {
            return acted; // the generation was just seen; the checks try again at the next resync
        }
        Verdict verdict = decide(found, policies);
        if (verdict instanceof Verdict.Clean) {
            return acted.withDeep(new Acted.Deep(found, null, null));
        }
        if (verdict instanceof Verdict.Heal heal) {
            DriftCause cause = DriftCause.of(heal.drifting().get(0).check());
            String evidence = summary(heal.drifting());
            String why;
            try {
                // test: activate now without touching the boot default, which already is this generation or the host's goal's.
                transport.activate(acted.actual().path(), Goal.TEST, "reactivate-" + System.currentTimeMillis());
                // What re-activation cannot change (a modified store path) is not asked again: its finding stands.
                List<Finding> unchanged = found.stream().filter(f -> !f.check().healable() && f.check() != DriftCheck.REBOOT).toList();
                Set<DriftCheck> again = EnumSet.noneOf(DriftCheck.class);
                plan.inspect().stream().filter(DriftCheck::healable).forEach(again::add);
                List<Finding> after = shown(look(acted, transport, again, unchanged, policies), policies);
                Verdict left = decide(after, policies);
                String healed = "re-activated generation " + acted.actual().generation() + " to heal drift: " + evidence;
                if (left instanceof Verdict.Clean) {
                    return new Acted(acted.outcome(), HostState.IN_SYNC, healed, acted.actual(), acted.record(), null, null, false, null,
                            new Acted.Deep(after, cause, evidence));
                }
                if (left instanceof Verdict.Report rest) {
                    return reported(acted, rest.drifting(), after, healed + "; ");
                }
                why = "re-activation did not heal it: " + summary(after.stream().filter(Finding::drift).toList());
                found = after;
            } catch (StepFailed | HostUnreachable e) {
                why = "re-activation failed: " + e.getMessage();
            }
            return Acted.of(ReconcileResult.Outcome.FAILED, HostState.DEGRADED, evidence + "; " + why, acted.actual(), acted.record(), cause)
                    .withDeep(new Acted.Deep(found, cause, evidence));
        }
        return reported(acted, ((Verdict.Report) verdict).drifting(), found, "");
    }

    private static Acted reported(Acted acted, List<Finding> drifting, List<Finding> found, String before) {
        DriftCause cause = DriftCause.of(drifting.get(0).check());
        String evidence = summary(drifting);
        return Acted.of(ReconcileResult.Outcome.WAITING, HostState.OUT_OF_SYNC, before + "drift reported, not healed (policy report): " + evidence,
                acted.actual(), acted.record(), cause).withDeep(new Acted.Deep(found, cause, evidence));
    }

    /** The host's answer to {@code checks}, with what the observation says of its boot and what earlier runs found. */
    private static List<Finding> look(Acted acted, HostTransport transport, Set<DriftCheck> checks, List<Finding> carried,
            Map<DriftCheck, DriftPolicy> policies) throws HostUnreachable {
        return with(acted, checks.isEmpty() ? List.of() : transport.inspect(checks), carried, policies);
    }

    private static List<Finding> with(Acted acted, List<Finding> answered, List<Finding> carried, Map<DriftCheck, DriftPolicy> policies) {
        List<Finding> all = new ArrayList<>(answered);
        all.addAll(carried);
        if (policies.getOrDefault(DriftCheck.REBOOT, DriftPolicy.REPORT) != DriftPolicy.IGNORE) {
            all.add(reboot(acted.actual()));
        }
        all.sort(java.util.Comparator.comparing(Finding::check));
        return all;
    }

    /** The {@code reboot} check, from what the observation read: the kernel, initrd or modules running are not the booted ones. */
    static Finding reboot(Actual actual) {
        Boot boot = actual.boot();
        if (boot == null || boot.booted() == null) {
            return Finding.unknown(DriftCheck.REBOOT, "the host does not say what it booted (no /run/booted-system)");
        }
        return boot.rebootRequired()
                ? Finding.drift(DriftCheck.REBOOT, List.of("runs " + actual.path() + ", whose kernel, initrd or modules are not those booted from "
                        + boot.booted() + ": they take effect at the next reboot"))
                : Finding.clean(DriftCheck.REBOOT);
    }

    private static List<Finding> shown(List<Finding> all, Map<DriftCheck, DriftPolicy> policies) {
        return all.stream().filter(f -> policies.getOrDefault(f.check(), DriftPolicy.REPORT) != DriftPolicy.IGNORE).toList();
    }

    static String summary(List<Finding> drifting) {
        return drifting.stream().map(Finding::summary).collect(Collectors.joining("; "));
    }
}
