package dev.driftless.host.reconcile;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.LongUnaryOperator;
import java.util.function.Predicate;

/**
 * The per-host work queue under the scheduler: never two runs of one host at once, wake-ups that
 * arrive during a run fold into exactly one more run, and a host whose run asks to be retried
 * backs off exponentially with jitter up to the cap it gave, ignoring wake-ups meanwhile. Plain
 * Java over an executor, so it is unit-tested with fakes ({@code HostQueueTest}).
 */
final class HostQueue {

    /** One reconciliation of a host; its result says whether and when to retry. */
    interface Runner {
        ReconcileResult run(String host);
    }

    private static final int IDLE = 0;
    private static final int RUNNING = 1;
    private static final int RUNNING_AGAIN = 2;

    private final Executor pool;
    private final ScheduledExecutorService retries;
    private final Runner runner;
    private final Predicate<String> owns;
    private final Consumer<String> finished;
    /** Given n, a uniformly random number in [0, n]: the jitter. */
    private final LongUnaryOperator random;
    private final Map<String, AtomicInteger> running = new ConcurrentHashMap<>();
    private final Map<String, Integer> failures = new ConcurrentHashMap<>();
    /** Hosts in backoff: no run before this {@link System#nanoTime()}, whatever wakes them. */
    private final Map<String, Long> notBefore = new ConcurrentHashMap<>();

    /**
     * {@code owns}: whether this process runs the host now (checked again just before each run);
     * {@code finished}: told after every run, or when a wake-up is skipped.
     */
    HostQueue(Executor pool, ScheduledExecutorService retries, Runner runner, Predicate<String> owns, Consumer<String> finished,
            LongUnaryOperator random) {
        this.pool = pool;
        this.retries = retries;
        this.runner = runner;
        this.owns = owns;
        this.finished = finished;
        this.random = random;
    }

    /** Runs the host soon unless it is backing off; false when it was not woken. */
    boolean wake(String host) {
        if (!owns.test(host)) {
            return false;
        }
        Long until = notBefore.get(host);
        if (until != null && System.nanoTime() - until < 0) {
            return false; // its retry is already scheduled
        }
        run(host);
        return true;
    }

    /** Runs the host soon, even during backoff: someone asked for it. */
    boolean wakeNow(String host) {
        if (!owns.test(host)) {
            return false;
        }
        notBefore.remove(host);
        run(host);
        return true;
    }

    /** Forgets the host's backoff, once another process runs it. */
    void forget(String host) {
        notBefore.remove(host);
        failures.remove(host);
    }

    /** Those of {@code hosts} with a run in progress or queued here. */
    List<String> busy(Collection<String> hosts) {
        return hosts.stream().filter(h -> running.getOrDefault(h, new AtomicInteger(IDLE)).get() != IDLE).sorted().toList();
    }

    /** The delay before retry number {@code attempt}: 1 s, 2 s, 4 s… up to {@code cap}, then half of it fixed, half random. */
    static long backoffMillis(int attempt, Duration cap, LongUnaryOperator random) {
        long base = Math.min(cap.toMillis(), 500L << Math.min(attempt, 16));
        return base / 2 + random.applyAsLong(base / 2);
    }

    private void run(String host) {
        AtomicInteger state = running.computeIfAbsent(host, h -> new AtomicInteger(IDLE));
        while (true) {
            int now = state.get();
            if (now == IDLE && state.compareAndSet(IDLE, RUNNING)) {
                try {
                    pool.execute(() -> loop(host, state));
                } catch (java.util.concurrent.RejectedExecutionException stopping) {
                    state.set(IDLE); // Driftless is stopping: no new run starts
                }
                return;
            }
            if (now != IDLE && state.compareAndSet(now, RUNNING_AGAIN)) {
                return;
            }
        }
    }

    private void loop(String host, AtomicInteger state) {
        do {
            state.set(RUNNING);
            if (owns.test(host)) { // released while it waited: its new owner runs it
                once(host);
            }
            finished.accept(host);
        } while (!state.compareAndSet(RUNNING, IDLE));
    }

    private void once(String host) {
        ReconcileResult result = runner.run(host);
        if (result != null && result.retryAfter() != null) {
            scheduleRetry(host, result.retryAfter());
        } else {
            failures.remove(host);
            notBefore.remove(host);
        }
    }

    private void scheduleRetry(String host, Duration cap) {
        int attempt = failures.merge(host, 1, Integer::sum);
        long delay = backoffMillis(attempt, cap, random);
        Long previous = notBefore.put(host, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(delay));
        if (previous == null) {
            try {
                retries.schedule(() -> {
                    notBefore.remove(host);
                    wake(host);
                }, delay, TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.RejectedExecutionException stopping) {
                // Driftless is stopping, and a run it stopped asks to be retried: the next start observes the host instead.
                notBefore.remove(host);
            }
        }
    }
}
