package dev.driftless.host.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.driftless.host.Actual;
import dev.driftless.host.Desired;
import dev.driftless.host.HostRecord;
import dev.driftless.host.HostState;
import dev.driftless.host.HostStatus;
import dev.driftless.host.health.CheckRunner;
import dev.driftless.host.health.HealthCheck;
import dev.driftless.host.health.UrlProbe;
import dev.driftless.host.transport.StepFailed;
import dev.driftless.host.transport.TimedTransport;
import dev.driftless.metrics.DriftlessMetrics;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every step of a deploy is timed under its name, failed steps too, so a deploy's time reads per step. */
class HostStepTimingTest {

    private static final Actual A = new Actual("/nix/store/aaa-host", 1);
    private static final Desired WANT_B = new Desired("b0b", Instant.EPOCH, "/nix/store/bbb.drv", "/nix/store/bbb-host");

    private static List<String> stepsOfADeploy(HostActionsTest.ScriptedHost host) {
        List<String> steps = new ArrayList<>();
        TimedTransport timed = new TimedTransport(host, (step, took) -> {
            assertTrue(!took.isNegative(), step + " took " + took);
            steps.add(step);
        });
        HostRecord record = HostRecord.EMPTY.withApplied(new HostRecord.Applied("a0a", A.path(), 1, Instant.EPOCH)).withLeft(A);
        HostStatus status = HostStatus.unknown("web1", "ssh://web1").withDesired(WANT_B).withRecord(record);
        CheckRunner checks = new CheckRunner(List.of(new HealthCheck.Command("health-check", "true", Duration.ofSeconds(5))), new UrlProbe());
        Acted acted = new HostActions(timed, checks, Duration.ofSeconds(30), Duration.ofSeconds(30), (r, c) -> {})
                .act(status, A, Decide.decide(record, WANT_B, A, true));
        steps.add(acted.state().label());
        return steps;
    }

    @Test
    void aGoodDeployIsTimedStepByStep() {
        assertEquals(List.of("copy", "switch", "guard", "profile", "switch", "observe", "checks", "confirm", HostState.IN_SYNC.label()),
                stepsOfADeploy(new HostActionsTest.ScriptedHost(A, Map.of())));
    }

    @Test
    void aStepThatFailsIsTimedToo() {
        List<String> steps = stepsOfADeploy(new HostActionsTest.ScriptedHost(A,
                Map.of("check /nix/store/bbb-host", new StepFailed("health check", "exited with 1"))));
        assertEquals(List.of("copy", "switch", "guard", "profile", "switch", "observe", "checks", "guard", "profile", "switch", "observe",
                HostState.DEGRADED.label()), steps);
    }

    @Test
    void everyStepNameIsOneTheMetricKnows() {
        stepsOfADeploy(new HostActionsTest.ScriptedHost(A, Map.of())).stream().filter(s -> !s.equals(HostState.IN_SYNC.label()))
                .forEach(step -> assertTrue(DriftlessMetrics.HOST_STEPS.contains(step), step));
    }
}
