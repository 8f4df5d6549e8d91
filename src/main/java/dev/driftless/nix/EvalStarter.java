package dev.driftless.nix;

import dev.driftless.exec.ProcessResult;
import dev.driftless.exec.ProcessRunner;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Runs {@code nix eval} of an expression, by a nix started ahead ({@link #warmUp}) when one is
 * waiting: it reads the expression on stdin ({@code --file -}) and starts evaluating at once,
 * its own start (~15 ms of linking and settings) spent while the caller got the expression
 * ready. One waits at a time; one that died while it waited is given nothing, and a fresh nix runs.
 */
final class EvalStarter implements AutoCloseable {

    private static final List<String> FROM_STDIN = List.of("nix", "eval", "--json", "--file", "-");

    private final Supplier<Map<String, String>> env;
    private ProcessRunner.Waiting waiting; // guarded by this
    private boolean closed; // guarded by this

    EvalStarter(Supplier<Map<String, String>> env) {
        this.env = env;
    }

    /** Starts the nix that runs the next {@link #eval}, unless one is waiting already. */
    void warmUp() {
        ProcessRunner.Waiting dead;
        synchronized (this) {
            if (closed || (waiting != null && waiting.alive())) {
                return;
            }
            dead = waiting;
            waiting = null;
        }
        if (dead != null) {
            dead.close();
        }
        ProcessRunner.Waiting started = ProcessRunner.startWaiting(FROM_STDIN, env.get()).orElse(null);
        synchronized (this) {
            if (waiting == null && !closed) {
                waiting = started;
                return;
            }
        }
        if (started != null) {
            started.close();
        }
    }

    /** {@code nix eval --json} of {@code expr}, within {@code timeout}, each stderr line shown to {@code lines} as in ProcessRunner. */
    ProcessResult eval(String expr, Duration timeout, Predicate<String> lines) {
        ProcessRunner.Waiting ready;
        synchronized (this) {
            ready = waiting;
            waiting = null;
        }
        Optional<ProcessResult> fed = ready == null ? Optional.empty() : ready.feed(expr, timeout, lines);
        return fed.isPresent() ? fed.get() : ProcessRunner.run(List.of("nix", "eval", "--json", "--expr", expr), env.get(), timeout, null, lines);
    }

    /** Whether a nix started ahead is waiting, alive. */
    synchronized boolean waiting() {
        return waiting != null && waiting.alive();
    }

    @Override
    public void close() {
        ProcessRunner.Waiting left;
        synchronized (this) {
            closed = true;
            left = waiting;
            waiting = null;
        }
        if (left != null) {
            left.close();
        }
    }
}
