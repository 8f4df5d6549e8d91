package dev.driftless.host.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.driftless.host.Actual;
import dev.driftless.host.Boot;
import dev.driftless.host.Goal;
import dev.driftless.host.Deployment;
import dev.driftless.host.Desired;
import dev.driftless.host.DriftCause;
import dev.driftless.host.HostRecord;
import dev.driftless.host.HostRecord.Attempt;
import dev.driftless.host.HostState;
import dev.driftless.host.HostStatus;
import dev.driftless.host.health.CheckRunner;
import dev.driftless.host.health.HealthCheck;
import dev.driftless.host.health.UrlProbe;
import dev.driftless.host.transport.HostBusy;
import dev.driftless.host.transport.HostTransport;
import dev.driftless.host.transport.HostUnreachable;
import dev.driftless.host.transport.StepFailed;
import dev.driftless.host.transport.SwitchGuard;
import dev.driftless.host.transport.SwitchUnit;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Carrying out decisions on a host whose answers are scripted: what is called on the host, in
 * which order, and what the run leaves in the record. The real steps are proven end to end on
 * real Nix (FailedDeploymentIT, SshFleetIT); here every failure path is one quick case.
 */
class HostActionsTest {

    private static final Actual A = new Actual("/nix/store/aaa-host", 1);
    private static final Actual B = new Actual("/nix/store/bbb-host", 2);
    private static final Desired WANT_B = new Desired("b0b", Instant.EPOCH, "/nix/store/bbb.drv", B.path());

    /** A host that runs {@code runs}, and fails the steps named in {@code failing} with the given exception. */
    static class ScriptedHost implements HostTransport {
        final List<String> calls = new ArrayList<>();
        final Map<String, Exception> failing;
        Actual runs;
        int profile;
        /** The run id of each activation, in order. */
        final List<String> runIds = new ArrayList<>();
        /** What the host recorded of switches that outlived their session, by run id. */
        final Map<String, SwitchUnit.Outcome> switches = new java.util.HashMap<>();

        ScriptedHost(Actual runs, Map<String, Exception> failing) {
            this.runs = runs;
            this.profile = runs.generation();
            this.failing = failing;
        }

        private void step(String call) throws HostUnreachable, StepFailed {
            calls.add(call);
            Exception e = failing.get(call);
            if (e instanceof HostUnreachable u) {
                throw u;
            }
            if (e instanceof StepFailed f) {
                throw f;
            }
        }

        @Override
        public Actual observe() throws HostUnreachable {
            try {
                step("observe");
            } catch (StepFailed e) {
                throw new AssertionError(e);
            }
            return new Actual(runs.path(), runs.generation(), new Boot(null, bootDefault != null ? bootDefault : runs.path(), false));
        }

        @Override
        public void awaitIdle() {
            calls.add("awaitIdle");
        }

        @Override
        public void copy(String path) throws HostUnreachable, StepFailed {
            step("copy " + path);
        }

        @Override
        public int setProfile(String path) throws HostUnreachable, StepFailed {
            step("setProfile " + path);
            return profile = 2;
        }

        @Override
        public void switchToGeneration(Actual generation) throws HostUnreachable, StepFailed {
            step("switchToGeneration " + generation.generation());
            profile = generation.generation();
        }

        @Override
        public String rollbackProfile() throws HostUnreachable, StepFailed {
            step("rollbackProfile");
            return A.path();
        }

        @Override
        public void activate(String path, Goal goal, String runId) throws HostUnreachable, StepFailed {
            runIds.add(runId);
            if (goal == Goal.BOOT) {
                step("boot " + path);
                bootDefault = path;
                return;
            }
            step((goal == Goal.TEST ? "test " : "activate ") + path);
            runs = new Actual(path, profile);
        }

        Actual observeQuietly() {
            try {
                return observe();
            } catch (HostUnreachable e) {
                return runs;
            }
        }

        /** What the profile points at, when a test says; by default what runs. */
        String bootDefault;
        /** Why a live switch is refused, when it is. */
        String inhibited;

        @Override
        public Optional<String> switchInhibited(String path) {
            calls.add("inhibitors");
            return Optional.ofNullable(inhibited);
        }

        @Override
        public Optional<SwitchUnit.Outcome> lastSwitch(String runId) throws HostUnreachable {
            calls.add("lastSwitch");
            return Optional.ofNullable(switches.get(runId));
        }

        @Override
        public void checkHealth(String command, Duration timeout) throws HostUnreachable, StepFailed {
            step("check " + runs.path());
        }

        /** The guard of each switch, by run id, as the host reports it; none when absent. */
        final Map<String, SwitchGuard.State> guards = new java.util.HashMap<>();
        /** Where a guard that is never confirmed returns the host; null: it never fires. */
        Actual guardReturnsTo;
        /** The host cannot keep a guard (no systemd). */
        boolean guardless;

        @Override
        public SwitchGuard.State arm(String runId, Actual before, Duration within, Goal goal) throws HostUnreachable, StepFailed {
            step("arm");
            if (guardless) {
                return guard(SwitchGuard.Kind.UNSUPPORTED);
            }
            SwitchGuard.State was = guards.get(runId);
            if (was != null && was.fired()) {
                return was;
            }
            guards.put(runId, guard(SwitchGuard.Kind.ARMED));
            return guards.get(runId);
        }

        @Override
        public SwitchGuard.State confirm(String runId, Duration within) throws HostUnreachable, StepFailed {
            step("confirm");
            return settle(runId);
        }

        @Override
        public SwitchGuard.State disarm(String runId) throws HostUnreachable, StepFailed {
            step("disarm");
            return settle(runId);
        }

        private SwitchGuard.State settle(String runId) {
            SwitchGuard.State was = guards.get(runId);
            if (was != null && was.fired()) {
                return was;
            }
            guards.remove(runId);
            return guard(SwitchGuard.Kind.DISARMED);
        }

        @Override
        public SwitchGuard.State awaitGuard(String runId, Duration within) {
            calls.add("awaitGuard");
            SwitchGuard.State was = guards.get(runId);
            if (was != null && (was.kind() == SwitchGuard.Kind.ARMED || was.kind() == SwitchGuard.Kind.FIRING) && guardReturnsTo != null) {
                runs = guardReturnsTo;
                guards.put(runId, guard(SwitchGuard.Kind.ROLLED_BACK));
            }
            return guards.getOrDefault(runId, guard(SwitchGuard.Kind.NONE));
        }

        static SwitchGuard.State guard(SwitchGuard.Kind kind) {
            return new SwitchGuard.State(kind, kind == SwitchGuard.Kind.ROLLED_BACK ? 0 : -1, "");
        }
    }

    private final List<HostRecord> intents = new ArrayList<>();

    private Acted deployB(ScriptedHost host, HostRecord record) {
        return deployB(host, record, Goal.SWITCH);
    }

    private Acted deployB(ScriptedHost host, HostRecord record, Goal goal) {
        HostStatus status = HostStatus.unknown("web1", "local:/x").withDesired(WANT_B).withRecord(record);
        CheckRunner checks = new CheckRunner(List.of(new HealthCheck.Command("health-check", "true", Duration.ofSeconds(5))), new UrlProbe());
        HostActions actions = new HostActions(host, checks, Duration.ofSeconds(30), Duration.ofSeconds(30), goal,
                (r, cause) -> intents.add(r));
        Actual seen = host.observeQuietly();
        host.calls.clear();
        return actions.act(status, seen, Decide.decide(record, WANT_B, seen, true, goal));
    }

    private static HostRecord onA() {
        return HostRecord.EMPTY.withApplied(new HostRecord.Applied("a0a", A.path(), 1, Instant.EPOCH)).withLeft(A);
    }

    @Test
    void theIntentIsDurableBeforeTheHostIsTouched() {
        ScriptedHost host = new ScriptedHost(A, Map.of());
        Acted acted = deployB(host, onA());
        assertEquals(1, intents.size());
        assertTrue(intents.get(0).attempt().inProgress());
        assertEquals(A, intents.get(0).attempt().before(), "the way back is recorded first");
        assertEquals(List.of("copy " + B.path(), "inhibitors", "arm", "setProfile " + B.path(), "activate " + B.path(), "observe", "check " + B.path(),
                "confirm"), host.calls);
        assertEquals(HostState.IN_SYNC, acted.state());
        assertTrue(host.guards.isEmpty(), "the confirmation disarmed the guard");
        assertEquals(B.path(), acted.record().applied().path());
        assertEquals(Attempt.Outcome.SUCCEEDED, acted.record().attempt().outcome());
    }

    @Test
    void aFailedHealthCheckReturnsToExactlyTheGenerationBeforeByItsNumberAndVerifiesIt() {
        ScriptedHost host = new ScriptedHost(A, Map.of("check " + B.path(), new StepFailed("health check", "exited with 1")));
        Acted acted = deployB(host, onA());
        assertEquals(List.of("copy " + B.path(), "inhibitors", "arm", "setProfile " + B.path(), "activate " + B.path(), "observe", "check " + B.path(),
                "disarm", "switchToGeneration 1", "activate " + A.path(), "observe"), host.calls);
        assertEquals(HostState.DEGRADED, acted.state());
        assertEquals(Deployment.Result.ROLLED_BACK, acted.deployment().result());
        assertEquals(B.path(), acted.record().quarantine().path(), "B is quarantined on this host");
        assertEquals(A, acted.record().left());
        assertEquals(DriftCause.FAILED_DEPLOY, acted.cause());
    }

    @Test
    void aWayBackThatIsGoneIsRollbackFailedAndDegradedNeverInSync() {
        ScriptedHost host = new ScriptedHost(A, Map.of("activate " + B.path(), new StepFailed("activation", "exited with 1"),
                "switchToGeneration 1", new StepFailed("return to generation 1", "generation 1 is gone from the system profile")));
        Acted acted = deployB(host, onA());
        assertEquals(HostState.DEGRADED, acted.state());
        assertEquals(Deployment.Result.ROLLBACK_FAILED, acted.deployment().result());
        assertTrue(acted.message().contains("is gone") && acted.message().contains("a person must look"), acted.message());
        assertEquals(B.path(), acted.record().quarantine().path());
    }

    @Test
    void aFirstGenerationThatFailsIsFailedWithNothingToReturnTo() {
        ScriptedHost host = new ScriptedHost(Actual.NOTHING, Map.of("check " + B.path(), new StepFailed("health check", "exited with 1")));
        Acted acted = deployB(host, HostRecord.EMPTY);
        assertEquals(Deployment.Result.FAILED, acted.deployment().result());
        assertEquals(HostState.DEGRADED, acted.state());
        assertTrue(host.calls.stream().noneMatch(c -> c.startsWith("switchToGeneration")), host.calls.toString());
        assertNull(acted.record().applied(), "nothing was ever applied with success");
    }

    @Test
    void aStepThatOutlivesTheTimeoutLeavesTheAttemptOpenAndTheHostDeploying() {
        ScriptedHost host = new ScriptedHost(A, Map.of("activate " + B.path(), new HostBusy("activation outlived driftless.deploy.timeout")));
        Acted acted = deployB(host, onA());
        assertEquals(HostState.DEPLOYING, acted.state());
        assertTrue(acted.record().attempt().inProgress(), "no verdict on B yet");
        assertNull(acted.deployment());
        assertNotEquals(null, acted.retryAfter());
        assertTrue(host.calls.stream().noneMatch(c -> c.startsWith("switchToGeneration")), "nothing is undone while a step may still run");
    }

    @Test
    void aConnectionLostAfterTheSwitchIsVerifiedBeforeTheHostIsCalledInSync() {
        ScriptedHost host = new ScriptedHost(A, Map.of("check " + B.path(), new HostUnreachable("connection closed")));
        Acted cut = deployB(host, onA());
        assertEquals(HostState.UNREACHABLE, cut.state());
        assertTrue(cut.record().attempt().inProgress());

        ScriptedHost back = new ScriptedHost(B, Map.of());
        Decision next = Decide.decide(cut.record(), WANT_B, B, true);
        assertTrue(next instanceof Decision.Verify, next.toString());
        Acted verified = deployB(back, cut.record());
        assertEquals(List.of("lastSwitch", "check " + B.path(), "confirm"), back.calls,
                "what the host recorded of the switch, then only the checks and the confirmation");
        assertEquals(HostState.IN_SYNC, verified.state());
        assertEquals(Deployment.Result.SUCCEEDED, verified.deployment().result());
    }

    @Test
    void aVerifyThatFailsAfterACutReturnsToWhatRanBeforeTheAttempt() {
        HostRecord cut = onA().withAttempt(new Attempt("b0b", B.path(), A, Attempt.Outcome.IN_PROGRESS, null, Instant.EPOCH, 1));
        ScriptedHost host = new ScriptedHost(B, Map.of("check " + B.path(), new StepFailed("health check", "exited with 1")));
        host.profile = 2;
        Acted acted = deployB(host, cut);
        assertEquals(Deployment.Result.ROLLED_BACK, acted.deployment().result());
        assertEquals(A, acted.record().left());
        assertTrue(host.calls.contains("switchToGeneration 1"), host.calls.toString());
    }

    private static HostRecord cutShortDeployingB() {
        return onA().withAttempt(new Attempt("b0b", B.path(), A, Attempt.Outcome.IN_PROGRESS, null, Instant.parse("2026-12-02T10:00:00Z"), 1));
    }

    @Test
    void aSwitchThatCompletedAfterItsSessionWasLostIsCheckedNotStartedAgain() {
        HostRecord cut = cutShortDeployingB();
        ScriptedHost host = new ScriptedHost(B, Map.of());
        host.switches.put(HostActions.runId("deploy", cut.attempt()), new SwitchUnit.Outcome(SwitchUnit.State.EXITED, 0, List.of(), ""));
        Acted acted = deployB(host, cut);
        assertEquals(List.of("lastSwitch", "check " + B.path(), "confirm"), host.calls, "no second switch");
        assertEquals(HostState.IN_SYNC, acted.state());
        assertEquals(Deployment.Result.SUCCEEDED, acted.deployment().result());
    }

    @Test
    void aSwitchThatFailedAfterItsSessionWasLostIsRolledBackWithTheFailedUnitNamed() {
        HostRecord cut = cutShortDeployingB();
        ScriptedHost host = new ScriptedHost(B, Map.of());
        host.profile = 2;
        host.switches.put(HostActions.runId("deploy", cut.attempt()),
                new SwitchUnit.Outcome(SwitchUnit.State.EXITED, 4, List.of("broken.service"), "warning: the following units failed: broken.service"));
        Acted acted = deployB(host, cut);
        assertEquals(List.of("lastSwitch", "disarm", "switchToGeneration 1", "activate " + A.path(), "observe"), host.calls,
                "back to A without switching to B again and without running B's checks");
        assertEquals(Deployment.Result.ROLLED_BACK, acted.deployment().result());
        assertTrue(acted.message().contains("exited with 4") && acted.message().contains("broken.service"), acted.message());
    }

    @Test
    void aSwitchStillRunningAfterItsSessionWasLostIsWaitedForNeitherRepeatedNorUndone() {
        HostRecord cut = cutShortDeployingB();
        ScriptedHost host = new ScriptedHost(B, Map.of());
        host.switches.put(HostActions.runId("deploy", cut.attempt()), new SwitchUnit.Outcome(SwitchUnit.State.RUNNING, -1, List.of(), ""));
        Acted acted = deployB(host, cut);
        assertEquals(List.of("lastSwitch"), host.calls);
        assertEquals(HostState.DEPLOYING, acted.state());
        assertTrue(acted.record().attempt().inProgress());
    }

    @Test
    void aResumedDeploymentNamesItsSwitchAsTheFirstRunDidSoTheHostCanRefuseASecondOne() {
        ScriptedHost host = new ScriptedHost(A, Map.of("activate " + B.path(), new HostUnreachable("connection closed")));
        Acted cut = deployB(host, onA());
        assertTrue(cut.record().attempt().inProgress());
        ScriptedHost again = new ScriptedHost(A, Map.of());
        Acted resumed = deployB(again, cut.record());
        assertEquals(HostState.IN_SYNC, resumed.state());
        assertEquals(host.runIds, again.runIds, "the same switch, by name");
        assertEquals(2, resumed.record().attempt().tries());

        ScriptedHost next = new ScriptedHost(A, Map.of());
        deployB(next, onA());
        assertNotEquals(host.runIds, next.runIds, "a new attempt is a new switch");
    }

    @Test
    void aGenerationAfterWhichNoNewConnectionGetsThroughIsReturnedByItsGuardAsLostConnectivityAndQuarantined() {
        ScriptedHost host = new ScriptedHost(A, Map.of("confirm", new HostUnreachable("no new SSH connection reached the host")));
        host.guardReturnsTo = A;
        Acted acted = deployB(host, onA());
        assertEquals(List.of("copy " + B.path(), "inhibitors", "arm", "setProfile " + B.path(), "activate " + B.path(), "observe", "check " + B.path(),
                "confirm", "awaitGuard", "observe"), host.calls, "the controller waits for the guard, and undoes nothing itself");
        assertEquals(HostState.DEGRADED, acted.state());
        assertEquals(Deployment.Result.ROLLED_BACK, acted.deployment().result());
        assertEquals("lost-connectivity", acted.deployment().reason());
        assertEquals(DriftCause.LOST_CONNECTIVITY, acted.cause());
        assertEquals(A, acted.record().left());
        assertEquals(B.path(), acted.record().quarantine().path(), "not retried in a loop");
        assertTrue(Decide.decide(acted.record(), WANT_B, A, true) instanceof Decision.Wait);
    }

    @Test
    void aHostWithoutAGuardThatNoNewConnectionReachesIsReturnedByTheControllerOverTheConnectionItHas() {
        ScriptedHost host = new ScriptedHost(A, Map.of("confirm", new HostUnreachable("no new SSH connection reached the host")));
        host.guardless = true;
        Acted acted = deployB(host, onA());
        assertTrue(host.calls.containsAll(List.of("awaitGuard", "disarm", "switchToGeneration 1", "activate " + A.path())), host.calls.toString());
        assertEquals(Deployment.Result.ROLLED_BACK, acted.deployment().result());
        assertEquals("lost-connectivity", acted.deployment().reason());
    }

    @Test
    void aGuardThatFiredAfterTheControllerStoppedIsReportedAndTheGenerationTriedAgainNotQuarantined() {
        HostRecord cut = cutShortDeployingB();
        ScriptedHost host = new ScriptedHost(A, Map.of());
        host.guards.put(HostActions.runId("deploy", cut.attempt()), ScriptedHost.guard(SwitchGuard.Kind.ROLLED_BACK));
        Acted acted = deployB(host, cut);
        assertEquals(List.of("copy " + B.path(), "inhibitors", "arm", "observe"), host.calls, "the profile is not moved again over the guard's return");
        assertEquals(Deployment.Result.ROLLED_BACK, acted.deployment().result());
        assertEquals("lost-connectivity", acted.deployment().reason());
        assertTrue(acted.message().contains("cut short before it was confirmed"), acted.message());
        assertNull(acted.record().quarantine(), "the generation was never shown bad");
        assertTrue(Decide.decide(acted.record(), WANT_B, A, true) instanceof Decision.Deploy, "tried again");
    }

    @Test
    void aGuardThatFiresWhileARestartedControllerVerifiesIsTheControllersFaultNotTheGenerations() {
        HostRecord cut = cutShortDeployingB();
        ScriptedHost host = new ScriptedHost(B, Map.of());
        host.guards.put(HostActions.runId("deploy", cut.attempt()), ScriptedHost.guard(SwitchGuard.Kind.FIRING));
        host.guardReturnsTo = A;
        Acted acted = deployB(host, cut);
        assertEquals(List.of("lastSwitch", "check " + B.path(), "confirm", "awaitGuard", "observe"), host.calls);
        assertEquals(Deployment.Result.ROLLED_BACK, acted.deployment().result());
        assertEquals(A, acted.record().left());
        assertNull(acted.record().quarantine(), "tried again: nobody was there to confirm it in time");
    }

    @Test
    void aFailedCheckAfterTheGuardFiredLeavesTheReturnToTheGuard() {
        ScriptedHost host = new ScriptedHost(A, Map.of("check " + B.path(), new StepFailed("health check", "exited with 1"))) {
            @Override
            public void checkHealth(String command, Duration timeout) throws HostUnreachable, StepFailed {
                // The checks outlast the confirm timeout: the guard fires while they run.
                guards.replaceAll((id, g) -> guard(SwitchGuard.Kind.ROLLED_BACK));
                try {
                    super.checkHealth(command, timeout);
                } finally {
                    runs = A;
                }
            }
        };
        Acted acted = deployB(host, onA());
        assertTrue(host.calls.contains("disarm") && host.calls.stream().noneMatch(c -> c.startsWith("switchToGeneration")), host.calls.toString());
        assertEquals(Deployment.Result.ROLLED_BACK, acted.deployment().result());
        assertEquals(B.path(), acted.record().quarantine().path());
    }

    @Test
    void aFirstGenerationHasNoGuardYetIsConfirmedOverANewConnectionBeforeItIsInSync() {
        ScriptedHost host = new ScriptedHost(Actual.NOTHING, Map.of());
        Acted acted = deployB(host, HostRecord.EMPTY);
        assertTrue(host.calls.contains("confirm") && !host.calls.contains("arm"), host.calls.toString());
        assertEquals(HostState.IN_SYNC, acted.state());
    }

    @Test
    void aHostRunningTheCommittedGenerationIsNeverInSyncWhenNoNewConnectionReachesIt() {
        HostRecord unchecked = HostRecord.EMPTY.withLeft(B);
        ScriptedHost host = new ScriptedHost(B, Map.of("confirm", new HostUnreachable("no new SSH connection reached the host")));
        Acted acted = deployB(host, unchecked);
        assertNotEquals(HostState.IN_SYNC, acted.state(), acted.message());
        assertNull(acted.record().applied());
    }

    @Test
    void aBootHostMakesTheGenerationTheBootDefaultWithoutActivatingItAndIsInSyncForItsGoal() {
        ScriptedHost host = new ScriptedHost(A, Map.of());
        Acted acted = deployB(host, onA(), Goal.BOOT);
        assertEquals(List.of("copy " + B.path(), "setProfile " + B.path(), "boot " + B.path(), "observe"), host.calls,
                "nothing runs that could lock the host out: no guard, no activation, no checks yet");
        assertEquals(A.path(), host.runs.path());
        assertEquals(HostState.IN_SYNC, acted.state(), acted.message());
        assertTrue(acted.message().contains("after the next reboot"), acted.message());
        assertEquals(Attempt.Outcome.STAGED, acted.record().attempt().outcome());
        assertEquals(A.path(), acted.record().applied().path(), "B is not checked until the host runs it");

        ScriptedHost waiting = new ScriptedHost(A, Map.of());
        waiting.bootDefault = B.path();
        Actual seen = waiting.observeQuietly();
        assertTrue(Decide.decide(acted.record(), WANT_B, seen, true, Goal.BOOT) instanceof Decision.Converged, "waits for the reboot");
        HostStatus status = HostStatus.unknown("web1", "local:/x").withDesired(WANT_B).withRecord(acted.record()).observed(seen, Instant.now());
        assertTrue(status.rebootRequired());

        ScriptedHost rebooted = new ScriptedHost(B, Map.of());
        Acted checked = deployB(rebooted, acted.record(), Goal.BOOT);
        assertEquals(List.of("check " + B.path(), "confirm"), rebooted.calls, "once it runs, it is checked and confirmed");
        assertEquals(HostState.IN_SYNC, checked.state());
        assertEquals(B.path(), checked.record().applied().path());
    }

    @Test
    void aSwitchNixOSInhibitsFallsBackToTheBootDefaultAndWaitsForARebootOutOfSync() {
        ScriptedHost host = new ScriptedHost(A, Map.of());
        host.inhibited = "its switch-inhibitors differ from the running generation's: /nix/store/sd-256";
        Acted acted = deployB(host, onA());
        assertEquals(List.of("copy " + B.path(), "inhibitors", "setProfile " + B.path(), "boot " + B.path(), "observe"), host.calls);
        assertEquals(HostState.OUT_OF_SYNC, acted.state(), "not InSync: it does not run the generation");
        assertTrue(acted.message().contains("sd-256"), acted.message());
        assertEquals(Deployment.Result.SUCCEEDED, acted.deployment().result(), "not a failure");

        ScriptedHost waiting = new ScriptedHost(A, Map.of());
        waiting.bootDefault = B.path();
        Decision next = Decide.decide(acted.record(), WANT_B, waiting.observeQuietly(), true, Goal.SWITCH);
        assertTrue(next instanceof Decision.Wait w && w.state() == HostState.OUT_OF_SYNC, "not deployed again in a loop: " + next);
    }

    @Test
    void aTestHostActivatesWithoutMovingItsProfileAndIsUndoneTheSameWay() {
        ScriptedHost host = new ScriptedHost(A, Map.of());
        Acted good = deployB(host, onA(), Goal.TEST);
        assertEquals(List.of("copy " + B.path(), "arm", "test " + B.path(), "observe", "check " + B.path(), "confirm"), host.calls);
        assertEquals(HostState.IN_SYNC, good.state());

        ScriptedHost failing = new ScriptedHost(A, Map.of("check " + B.path(), new StepFailed("health check", "exited with 1")));
        Acted bad = deployB(failing, onA(), Goal.TEST);
        assertTrue(failing.calls.stream().noneMatch(c -> c.startsWith("setProfile") || c.startsWith("switchToGeneration")), failing.calls.toString());
        assertTrue(failing.calls.contains("test " + A.path()), failing.calls.toString());
        assertEquals(Deployment.Result.ROLLED_BACK, bad.deployment().result());
    }
}
