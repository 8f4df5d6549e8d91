package dev.driftless.host.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.driftless.host.drift.DriftCheck;
import dev.driftless.host.drift.DriftPolicy;
import dev.driftless.host.drift.Finding;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The deep drift decision as a table: findings and policies in, one verdict out. */
class DeepDriftTest {

    private static final Finding ETC = Finding.drift(DriftCheck.ETC, List.of("/etc/motd was replaced by a regular file"));
    private static final Finding UNITS = Finding.drift(DriftCheck.UNITS, List.of("nginx.service is inactive"));
    private static final Finding UNITS_CLEAN = Finding.clean(DriftCheck.UNITS);
    private static final Finding ETC_UNKNOWN = Finding.unknown(DriftCheck.ETC, "no /etc/static");

    @Test
    void nothingDriftingIsClean() {
        assertInstanceOf(DeepDrift.Verdict.Clean.class, DeepDrift.decide(List.of(ETC_UNKNOWN, UNITS_CLEAN), policies("heal", "heal")));
    }

    @Test
    void driftUnderReportIsReported() {
        assertEquals(new DeepDrift.Verdict.Report(List.of(ETC)), DeepDrift.decide(List.of(ETC, UNITS_CLEAN), policies("report", "heal")));
    }

    @Test
    void anyCheckThatHealsMakesItAHealOfEveryDriftingCheck() {
        assertEquals(new DeepDrift.Verdict.Heal(List.of(ETC, UNITS)), DeepDrift.decide(List.of(ETC, UNITS), policies("report", "heal")));
    }

    @Test
    void ignoredChecksDoNotCount() {
        assertInstanceOf(DeepDrift.Verdict.Clean.class, DeepDrift.decide(List.of(ETC), policies("ignore", "heal")));
        assertEquals(new DeepDrift.Verdict.Report(List.of(UNITS)), DeepDrift.decide(List.of(ETC, UNITS), policies("ignore", "report")));
    }

    // What the run does with the verdict, on a scripted host: each row one way a deep check can end.

    private static final dev.driftless.host.Actual RUNS = new dev.driftless.host.Actual("/nix/store/aaa-host", 3);
    private static final Acted IN_SYNC = Acted.of(ReconcileResult.Outcome.CONVERGED, dev.driftless.host.HostState.IN_SYNC, "in sync", RUNS,
            dev.driftless.host.HostRecord.EMPTY, null);

    /** A host whose inspections answer {@code answers} in turn, and whose steps fail as {@code failing} says. */
    private static HostActionsTest.ScriptedHost host(Map<String, Exception> failing, List<List<Finding>> answers) {
        java.util.Iterator<List<Finding>> next = answers.iterator();
        return new HostActionsTest.ScriptedHost(RUNS, failing) {
            @Override
            public List<Finding> inspect(java.util.Set<DriftCheck> checks) throws dev.driftless.host.transport.HostUnreachable {
                if (failing.get("inspect") instanceof dev.driftless.host.transport.HostUnreachable u) {
                    throw u;
                }
                return next.next();
            }
        };
    }

    @Test
    void healedDriftReactivatesTheRunningGenerationWithTestAndEndsInSyncWithTheDetectionKept() {
        HostActionsTest.ScriptedHost h = host(Map.of(), List.of(List.of(ETC, UNITS_CLEAN), List.of(Finding.clean(DriftCheck.ETC), UNITS_CLEAN)));
        Acted acted = DeepDrift.check(IN_SYNC, h, policies("heal", "report"));
        assertEquals(List.of("test " + RUNS.path()), h.calls, "one re-activation of what runs, no new generation");
        assertEquals(dev.driftless.host.HostState.IN_SYNC, acted.state());
        assertEquals(null, acted.cause());
        assertEquals(dev.driftless.host.DriftCause.ETC, acted.deep().detected(), "the incident is opened, then closed");
    }

    @Test
    void aReactivationThatFailsLeavesTheHostDegradedNamingBoth() {
        HostActionsTest.ScriptedHost h = host(Map.of("test " + RUNS.path(), new dev.driftless.host.transport.StepFailed("switch", "exit 4")),
                List.of(List.of(ETC, UNITS_CLEAN)));
        Acted acted = DeepDrift.check(IN_SYNC, h, policies("heal", "report"));
        assertEquals(dev.driftless.host.HostState.DEGRADED, acted.state());
        assertEquals(dev.driftless.host.DriftCause.ETC, acted.cause());
        org.junit.jupiter.api.Assertions.assertTrue(acted.message().contains("/etc/motd") && acted.message().contains("re-activation failed"),
                acted.message());
    }

    @Test
    void aReactivationThatLeavesTheDriftIsDegradedWithWhatRemains() {
        HostActionsTest.ScriptedHost h = host(Map.of(), List.of(List.of(ETC, UNITS), List.of(Finding.clean(DriftCheck.ETC), UNITS)));
        Acted acted = DeepDrift.check(IN_SYNC, h, policies("report", "heal"));
        assertEquals(dev.driftless.host.HostState.DEGRADED, acted.state());
        org.junit.jupiter.api.Assertions.assertTrue(acted.message().contains("did not heal it: units: nginx.service is inactive"), acted.message());
    }

    @Test
    void reportedDriftTouchesNothingAndLeavesTheHostOutOfSyncWithTheCheckAsCause() {
        HostActionsTest.ScriptedHost h = host(Map.of(), List.of(List.of(ETC_UNKNOWN, UNITS)));
        Acted acted = DeepDrift.check(IN_SYNC, h, policies("heal", "report"));
        assertEquals(List.of(), h.calls);
        assertEquals(dev.driftless.host.HostState.OUT_OF_SYNC, acted.state());
        assertEquals(dev.driftless.host.DriftCause.UNITS, acted.cause());
    }

    @Test
    void aHostThatCannotBeInspectedStaysAsTheRunLeftItAndEveryCheckIgnoredSkipsTheCall() {
        HostActionsTest.ScriptedHost lost = host(Map.of("inspect", new dev.driftless.host.transport.HostUnreachable("connection closed")), List.of());
        assertEquals(IN_SYNC, DeepDrift.check(IN_SYNC, lost, policies("heal", "heal")));
        HostActionsTest.ScriptedHost off = host(Map.of(), List.of());
        assertEquals(IN_SYNC, DeepDrift.check(IN_SYNC, off, policies("ignore", "ignore")), "no answer was asked for");
    }

    private static final Finding STORE = Finding.drift(DriftCheck.STORE, List.of("/nix/store/bbb-etc-motd was modified"));

    @Test
    void informationalChecksAreShownButNeverMakeAHostOutOfSync() {
        Finding reboot = DeepDrift.reboot(new dev.driftless.host.Actual("/nix/store/new-host", 4,
                new dev.driftless.host.Boot("/nix/store/old-host", "/nix/store/new-host", true)));
        assertEquals(true, reboot.drift());
        Finding profiles = Finding.drift(DriftCheck.PROFILES, List.of("/root/.nix-profile holds hello-2.12"));
        assertInstanceOf(DeepDrift.Verdict.Clean.class, DeepDrift.decide(List.of(reboot, profiles, UNITS_CLEAN), policies("heal", "heal")));
        HostActionsTest.ScriptedHost h = host(Map.of(), List.of(List.of(Finding.clean(DriftCheck.ETC), UNITS_CLEAN, profiles)));
        Acted acted = DeepDrift.check(IN_SYNC, h, policies("heal", "heal"));
        assertEquals(dev.driftless.host.HostState.IN_SYNC, acted.state());
        assertEquals(List.of(), h.calls, "nothing re-activated for information");
        assertEquals(true, acted.deep().findings().contains(profiles), "but it is recorded");
        assertEquals(false, DeepDrift.reboot(new dev.driftless.host.Actual("/nix/store/x", 1)).known(), "no boot observed: unknown");
    }

    @Test
    void aModifiedStorePathIsReportedAndOutlivesAHealOfTheRest() {
        HostActionsTest.ScriptedHost reportOnly = host(Map.of(), List.of(List.of(Finding.clean(DriftCheck.ETC), UNITS_CLEAN, STORE)));
        Acted reported = DeepDrift.check(IN_SYNC, reportOnly, policies("heal", "heal"));
        assertEquals(dev.driftless.host.HostState.OUT_OF_SYNC, reported.state());
        assertEquals(dev.driftless.host.DriftCause.STORE, reported.cause());
        assertEquals(List.of(), reportOnly.calls, "re-activation cannot repair a store path");

        HostActionsTest.ScriptedHost both = host(Map.of(), List.of(List.of(ETC, UNITS_CLEAN, STORE), List.of(Finding.clean(DriftCheck.ETC), UNITS_CLEAN)));
        Acted healed = DeepDrift.check(IN_SYNC, both, policies("heal", "heal"));
        assertEquals(List.of("test " + RUNS.path()), both.calls);
        assertEquals(dev.driftless.host.HostState.OUT_OF_SYNC, healed.state(), "etc healed, the store path still modified: " + healed.message());
        assertEquals(dev.driftless.host.DriftCause.STORE, healed.cause());
        org.junit.jupiter.api.Assertions.assertTrue(healed.message().startsWith("re-activated generation 3 to heal drift: etc"), healed.message());
    }

    @Test
    void aStoreFindingCarriedFromAnEarlierRunCountsWithoutAskingTheHostAgain() {
        java.util.List<java.util.Set<DriftCheck>> asked = new java.util.ArrayList<>();
        HostActionsTest.ScriptedHost h = new HostActionsTest.ScriptedHost(RUNS, Map.of()) {
            @Override
            public List<Finding> inspect(java.util.Set<DriftCheck> checks) {
                asked.add(checks);
                return List.of(Finding.clean(DriftCheck.ETC), UNITS_CLEAN);
            }
        };
        Map<DriftCheck, DriftPolicy> p = policies("report", "report");
        Acted acted = DeepDrift.check(IN_SYNC, h, p, new DeepDrift.Plan(DeepDrift.Plan.scripted(p, false), List.of(STORE)));
        assertEquals(dev.driftless.host.DriftCause.STORE, acted.cause());
        assertEquals(false, asked.get(0).contains(DriftCheck.STORE), "not due: not verified again");
        assertEquals(true, DeepDrift.Plan.scripted(p, true).contains(DriftCheck.STORE));
    }

    @Test
    void answersThatCameWithTheObservationAreUsedWithoutAskingTheHostAgain() {
        HostActionsTest.ScriptedHost h = host(Map.of(), List.of()); // any inspection would fail: it has no answers
        Map<DriftCheck, DriftPolicy> p = policies("report", "report");
        Acted acted = DeepDrift.check(IN_SYNC, h, p, DeepDrift.Plan.every(p).answered(List.of(ETC, UNITS_CLEAN)));
        assertEquals(dev.driftless.host.DriftCause.ETC, acted.cause());
        assertEquals(dev.driftless.host.HostState.OUT_OF_SYNC, acted.state());
    }

    private static Map<DriftCheck, DriftPolicy> policies(String etc, String units) {
        return Map.of(DriftCheck.ETC, DriftPolicy.of(etc), DriftCheck.UNITS, DriftPolicy.of(units));
    }
}
