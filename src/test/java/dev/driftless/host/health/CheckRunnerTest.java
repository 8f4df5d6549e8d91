package dev.driftless.host.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.driftless.host.Actual;
import dev.driftless.host.transport.HostTransport;
import dev.driftless.host.transport.HostUnreachable;
import dev.driftless.host.transport.StepFailed;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The checks that run on the host, against a host whose answers are scripted: which commands run,
 * in which order, and what a failure says. The transports' own running of a command is proven by
 * their tests and end to end (FailedDeploymentIT, SshFleetIT).
 */
class CheckRunnerTest {

    private static final Duration LIMIT = Duration.ofSeconds(5);

    /** Answers each command as scripted: a failure when {@code failing} has it, success otherwise. */
    static final class ScriptedChecks implements HostTransport {
        final List<String> ran = new ArrayList<>();
        final List<Duration> limits = new ArrayList<>();
        final Map<String, Exception> failing;

        ScriptedChecks(Map<String, Exception> failing) {
            this.failing = failing;
        }

        @Override
        public void checkHealth(String command, Duration timeout) throws HostUnreachable, StepFailed {
            ran.add(command);
            limits.add(timeout);
            Exception e = failing.get(command);
            if (e instanceof HostUnreachable u) {
                throw u;
            }
            if (e instanceof StepFailed f) {
                throw f;
            }
        }

        @Override
        public Actual observe() {
            throw new UnsupportedOperationException();
        }

        @Override
        public void awaitIdle() {
            throw new UnsupportedOperationException();
        }

        @Override
        public void copy(String path) {
            throw new UnsupportedOperationException();
        }

        @Override
        public int setProfile(String path) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void switchToGeneration(Actual generation) {
            throw new UnsupportedOperationException();
        }

        @Override
        public String rollbackProfile() {
            throw new UnsupportedOperationException();
        }

        @Override
        public void activate(String path, dev.driftless.host.Goal goal, String runId) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Optional<dev.driftless.host.transport.SwitchUnit.Outcome> lastSwitch(String runId) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Optional<String> switchInhibited(String path) {
            throw new UnsupportedOperationException();
        }

        @Override
        public dev.driftless.host.transport.SwitchGuard.State arm(String runId, dev.driftless.host.Actual before, Duration within,
                dev.driftless.host.Goal goal) {
            throw new UnsupportedOperationException();
        }

        @Override
        public dev.driftless.host.transport.SwitchGuard.State confirm(String runId, Duration within) {
            throw new UnsupportedOperationException();
        }

        @Override
        public dev.driftless.host.transport.SwitchGuard.State disarm(String runId) {
            throw new UnsupportedOperationException();
        }

        @Override
        public dev.driftless.host.transport.SwitchGuard.State awaitGuard(String runId, Duration within) {
            throw new UnsupportedOperationException();
        }
    }

    private static Optional<String> run(ScriptedChecks host, HealthCheck... checks) throws HostUnreachable {
        return new CheckRunner(List.of(checks), new UrlProbe()).firstFailure(host);
    }

    @Test
    void aHostWithNoChecksIsHealthyAndNothingRunsThere() throws HostUnreachable {
        ScriptedChecks host = new ScriptedChecks(Map.of());
        assertEquals(Optional.empty(), run(host));
        assertEquals(List.of(), host.ran);
    }

    @Test
    void checksRunInOrderEachWithItsOwnTimeoutAndStopAtTheFirstFailure() throws HostUnreachable {
        ScriptedChecks host = new ScriptedChecks(Map.of("false", new StepFailed("health check `false`", "sh exited with 1")));
        Optional<String> failure = run(host, new HealthCheck.Command("a", "true", Duration.ofSeconds(3)),
                new HealthCheck.Command("b", "false", Duration.ofSeconds(7)), new HealthCheck.Command("c", "never-run", LIMIT));
        assertEquals(List.of("true", "false"), host.ran);
        assertEquals(List.of(Duration.ofSeconds(3), Duration.ofSeconds(7)), host.limits);
        assertEquals(Optional.of("health check \"b\" (command `false`) failed: sh exited with 1"), failure);
    }

    @Test
    void aFailingCommandIsReportedByItsNameWithWhatItSaid() throws HostUnreachable {
        String command = "curl -fsS http://localhost:8080/ready";
        ScriptedChecks host = new ScriptedChecks(Map.of(command,
                new StepFailed("health check `" + command + "`", "curl: (7) Failed to connect to localhost port 8080")));
        Optional<String> failure = run(host, new HealthCheck.Command("ready", command, LIMIT));
        assertEquals(Optional.of("health check \"ready\" (command `curl -fsS http://localhost:8080/ready`) failed: "
                + "curl: (7) Failed to connect to localhost port 8080"), failure);
    }

    @Test
    void unitsThatAreNotActiveAreNamedWithTheirStates() throws HostUnreachable {
        String asked = "systemctl is-active -- 'nginx.service' 'postgresql.service' 'app@1.service' >&2";
        ScriptedChecks host = new ScriptedChecks(Map.of(asked, new StepFailed("health check", "active\nfailed\ninactive\n")));
        Optional<String> failure = run(host, new HealthCheck.Units("core", List.of("nginx.service", "postgresql.service", "app@1.service"), LIMIT));
        assertEquals(List.of(asked), host.ran);
        assertEquals(Optional.of("health check \"core\" (units nginx.service, postgresql.service, app@1.service) "
                + "found postgresql.service is failed, app@1.service is inactive"), failure);
    }

    @Test
    void unitsThatAreAllActivePass() throws HostUnreachable {
        ScriptedChecks host = new ScriptedChecks(Map.of());
        assertEquals(Optional.empty(), run(host, new HealthCheck.Units("core", List.of("sshd.service"), LIMIT)));
        assertEquals(List.of("systemctl is-active -- 'sshd.service' >&2"), host.ran);
    }

    @Test
    void unitsOutputThatIsNotStatesIsShownAsItIs() throws HostUnreachable {
        ScriptedChecks host = new ScriptedChecks(Map.of("systemctl is-active -- 'sshd.service' >&2",
                new StepFailed("health check", "sh: 1: systemctl: not found")));
        assertEquals(Optional.of("health check \"core\" (units sshd.service) failed: sh: 1: systemctl: not found"),
                run(host, new HealthCheck.Units("core", List.of("sshd.service"), LIMIT)));
    }

    @Test
    void aHostThatCannotBeReachedForACheckIsNoVerdict() {
        ScriptedChecks host = new ScriptedChecks(Map.of("true", new HostUnreachable("connection closed")));
        assertThrows(HostUnreachable.class, () -> run(host, new HealthCheck.Command("a", "true", LIMIT)));
    }

    @Test
    void longOutputIsCutShort() throws HostUnreachable {
        ScriptedChecks host = new ScriptedChecks(Map.of("chatty", new StepFailed("health check", "x".repeat(100_000))));
        String failure = run(host, new HealthCheck.Command("chatty", "chatty", LIMIT)).orElseThrow();
        assertTrue(failure.length() < CheckRunner.OUTPUT_LIMIT + 100, "kept " + failure.length() + " characters");
        assertTrue(failure.endsWith("x…"), failure);
    }

    @Test
    void aCredentialInACommandOrItsOutputNeverAppears() throws HostUnreachable {
        String command = "curl -f https://ops:hunter2hunter2@web1/healthz";
        ScriptedChecks host = new ScriptedChecks(Map.of(command,
                new StepFailed("health check", "curl: (22) https://ops:hunter2hunter2@web1/healthz returned 500")));
        String failure = run(host, new HealthCheck.Command("api", command, LIMIT)).orElseThrow();
        assertFalse(failure.contains("hunter2"), failure);
        assertTrue(failure.contains("https://***@web1/healthz"), failure);
    }
}
