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

    private static Map<DriftCheck, DriftPolicy> policies(String etc, String units) {
        return Map.of(DriftCheck.ETC, DriftPolicy.of(etc), DriftCheck.UNITS, DriftPolicy.of(units));
    }
}
