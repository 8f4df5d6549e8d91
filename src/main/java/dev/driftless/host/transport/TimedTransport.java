package dev.driftless.host.transport;

import dev.driftless.host.Actual;
import dev.driftless.host.Goal;
import java.time.Duration;
import java.util.Optional;
import java.util.function.BiConsumer;

/**
 * A {@link HostTransport} whose every step is timed by its kind (observe, copy, profile, switch,
 * checks, guard, confirm), so the time of a deploy can be read per step: where it goes, and
 * where the next regression is. Whatever the step ends in, success or failure, is timed.
 */
public final class TimedTransport implements HostTransport {

    private final HostTransport inner;
    private final BiConsumer<String, Duration> record;

    public TimedTransport(HostTransport inner, BiConsumer<String, Duration> record) {
        this.inner = inner;
        this.record = record;
    }

    private interface Step<T, E1 extends Exception, E2 extends Exception> {
        T run() throws E1, E2;
    }

    private <T, E1 extends Exception, E2 extends Exception> T timed(String step, Step<T, E1, E2> body) throws E1, E2 {
        long start = System.nanoTime();
        try {
            return body.run();
        } finally {
            record.accept(step, Duration.ofNanos(System.nanoTime() - start));
        }
    }

    @Override
    public Actual observe() throws HostUnreachable {
        return this.<Actual, HostUnreachable, HostUnreachable>timed("observe", inner::observe);
    }

    @Override
    public java.util.List<dev.driftless.host.drift.Finding> inspect(java.util.Set<dev.driftless.host.drift.DriftCheck> checks)
            throws HostUnreachable {
        return this.<java.util.List<dev.driftless.host.drift.Finding>, HostUnreachable, HostUnreachable>timed("inspect", () -> inner.inspect(checks));
    }

    /** Timed as the observation it mostly is: a resync's one call to a host that stays in sync. */
    @Override
    public Look look(java.util.Set<dev.driftless.host.drift.DriftCheck> checks) throws HostUnreachable {
        return this.<Look, HostUnreachable, HostUnreachable>timed("observe", () -> inner.look(checks));
    }

    @Override
    public java.util.Optional<HostWatch> watch(Runnable changed) {
        return inner.watch(changed);
    }

    @Override
    public void awaitIdle() throws HostUnreachable {
        inner.awaitIdle();
    }

    @Override
    public void copy(String path) throws HostUnreachable, StepFailed {
        this.<Void, HostUnreachable, StepFailed>timed("copy", () -> {
            inner.copy(path);
            return null;
        });
    }

    @Override
    public int setProfile(String path) throws HostUnreachable, StepFailed {
        return this.<Integer, HostUnreachable, StepFailed>timed("profile", () -> inner.setProfile(path));
    }

    @Override
    public void switchToGeneration(Actual generation) throws HostUnreachable, StepFailed {
        this.<Void, HostUnreachable, StepFailed>timed("profile", () -> {
            inner.switchToGeneration(generation);
            return null;
        });
    }

    @Override
    public String rollbackProfile() throws HostUnreachable, StepFailed {
        return this.<String, HostUnreachable, StepFailed>timed("profile", inner::rollbackProfile);
    }

    @Override
    public void activate(String path, Goal goal, String runId) throws HostUnreachable, StepFailed {
        this.<Void, HostUnreachable, StepFailed>timed("switch", () -> {
            inner.activate(path, goal, runId);
            return null;
        });
    }

    @Override
    public Optional<String> switchInhibited(String path) throws HostUnreachable {
        return this.<Optional<String>, HostUnreachable, HostUnreachable>timed("switch", () -> inner.switchInhibited(path));
    }

    @Override
    public Optional<SwitchUnit.Outcome> lastSwitch(String runId) throws HostUnreachable {
        return this.<Optional<SwitchUnit.Outcome>, HostUnreachable, HostUnreachable>timed("switch", () -> inner.lastSwitch(runId));
    }

    @Override
    public SwitchGuard.State arm(String runId, Actual before, Duration within, Goal goal) throws HostUnreachable, StepFailed {
        return this.<SwitchGuard.State, HostUnreachable, StepFailed>timed("guard", () -> inner.arm(runId, before, within, goal));
    }

    @Override
    public SwitchGuard.State confirm(String runId, Duration within) throws HostUnreachable, StepFailed {
        return this.<SwitchGuard.State, HostUnreachable, StepFailed>timed("confirm", () -> inner.confirm(runId, within));
    }

    @Override
    public SwitchGuard.State disarm(String runId) throws HostUnreachable, StepFailed {
        return this.<SwitchGuard.State, HostUnreachable, StepFailed>timed("guard", () -> inner.disarm(runId));
    }

    @Override
    public SwitchGuard.State awaitGuard(String runId, Duration within) throws HostUnreachable {
        return this.<SwitchGuard.State, HostUnreachable, HostUnreachable>timed("guard", () -> inner.awaitGuard(runId, within));
    }

    @Override
    public void checkHealth(String command, Duration timeout) throws HostUnreachable, StepFailed {
        this.<Void, HostUnreachable, StepFailed>timed("checks", () -> {
            inner.checkHealth(command, timeout);
            return null;
        });
    }

    @Override
    public void close() {
        inner.close();
    }
}
