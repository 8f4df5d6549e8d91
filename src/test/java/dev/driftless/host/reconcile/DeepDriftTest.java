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
            public List<Finding> inspect() throws dev.driftless.host.transport.HostUnreachable {
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

    private static Map<DriftCheck, DriftPolicy> policies(String etc, String units) {
        return Map.of(DriftCheck.ETC, DriftPolicy.of(etc), DriftCheck.UNITS, DriftPolicy.of(units));
    }
}
