package dev.driftless.host.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The per-host queue with a fake reconciler: exclusivity, folding, backoff with jitter, hand-over. */
class HostQueueTest {

    private final ExecutorService pool = Executors.newFixedThreadPool(4);
    private final ScheduledExecutorService retries = Executors.newSingleThreadScheduledExecutor();
    private final Set<String> owned = ConcurrentHashMap.newKeySet();
    private final Map<String, AtomicInteger> runs = new ConcurrentHashMap<>();

    @AfterEach
    void stop() {
        pool.shutdownNow();
        retries.shutdownNow();
    }

    private HostQueue queue(HostQueue.Runner runner) {
        return new HostQueue(pool, retries, host -> {
            runs.computeIfAbsent(host, h -> new AtomicInteger()).incrementAndGet();
            return runner.run(host);
        }, owned::contains, host -> {}, bound -> bound);
    }

    private static void await(CountDownLatch latch) {
        try {
            assertTrue(latch.await(10, TimeUnit.SECONDS), "timed out");
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    private static void eventually(java.util.concurrent.Callable<Boolean> condition) {
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(5)).until(condition);
    }

    @Test
    void neverTwoRunsOfOneHostAtOnceWhateverWakesIt() throws Exception {
        owned.add("web1");
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        HostQueue queue = queue(host -> {
            most.accumulateAndGet(inside.incrementAndGet(), Math::max);
            java.util.concurrent.locks.LockSupport.parkNanos(2_000_000); // a run that takes a moment
            inside.decrementAndGet();
            return null;
        });
        ExecutorService wakers = Executors.newFixedThreadPool(4);
        for (int i = 0; i < 200; i++) {
            wakers.execute(() -> queue.wake("web1"));
        }
        wakers.shutdown();
        assertTrue(wakers.awaitTermination(10, TimeUnit.SECONDS));
        eventually(() -> queue.busy(List.of("web1")).isEmpty());
        assertEquals(1, most.get(), "one run of web1 at a time");
    }

    @Test
    void wakeUpsDuringARunFoldIntoExactlyOneMoreRun() throws Exception {
        owned.add("web1");
        CountDownLatch inFirst = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        HostQueue queue = queue(host -> {
            if (runs.get(host).get() == 1) {
                inFirst.countDown();
                await(release);
            }
            return null;
        });
        queue.wake("web1");
        await(inFirst);
        for (int i = 0; i < 50; i++) {
            queue.wake("web1");
        }
        release.countDown();
        eventually(() -> queue.busy(List.of("web1")).isEmpty());
        assertEquals(2, runs.get("web1").get(), "fifty wake-ups during the run made one more run");
    }

    @Test
    void aHostAskingToBeRetriedIgnoresWakeUpsUntilItsBackoffEndsButNotARequest() throws Exception {
        owned.add("db1");
        HostQueue queue = queue(host -> new ReconcileResult(ReconcileResult.Outcome.UNREACHABLE, "down", Duration.ofSeconds(30)));
        queue.wake("db1");
        eventually(() -> runs.get("db1") != null && queue.busy(List.of("db1")).isEmpty());
        assertFalse(queue.wake("db1"), "backing off: a resync does not hammer it");
        assertEquals(1, runs.get("db1").get());
        assertTrue(queue.wakeNow("db1"), "someone asked: it runs now");
        eventually(() -> runs.get("db1").get() == 2);
    }

    @Test
    void aRunStoppedWithDriftlessThatAsksForARetryEndsQuietlyAndLeavesTheHostIdle() throws Exception {
        owned.add("db1");
        CountDownLatch inRun = new CountDownLatch(1);
        CountDownLatch stopped = new CountDownLatch(1);
        java.util.concurrent.atomic.AtomicReference<Throwable> uncaught = new java.util.concurrent.atomic.AtomicReference<>();
        ExecutorService reporting = Executors.newFixedThreadPool(1, r -> {
            Thread t = new Thread(r);
            t.setUncaughtExceptionHandler((thread, e) -> uncaught.set(e));
            return t;
        });
        try {
            HostQueue queue = new HostQueue(reporting, retries, host -> {
                inRun.countDown();
                await(stopped);
                return new ReconcileResult(ReconcileResult.Outcome.UNREACHABLE, "was stopped: Driftless is stopping", Duration.ofSeconds(30));
            }, owned::contains, host -> {}, bound -> bound);
            queue.wake("db1");
            await(inRun);
            retries.shutdownNow(); // the stop: the retries' scheduler ends while the run still runs
            reporting.shutdown();
            stopped.countDown();
            assertTrue(reporting.awaitTermination(10, TimeUnit.SECONDS));
            assertEquals(null, uncaught.get(), "no retry could be scheduled, and that is no error");
            assertEquals(List.of(), queue.busy(List.of("db1")));
            assertFalse(queue.wake("db1") && !queue.busy(List.of("db1")).isEmpty(), "a wake-up after the stop starts no run");
        } finally {
            reporting.shutdownNow();
        }
    }

    @Test
    void backoffDoublesFromOneSecondUpToTheCapWithHalfOfItRandom() {
        Duration cap = Duration.ofSeconds(30);
        assertEquals(500, HostQueue.backoffMillis(1, cap, bound -> 0), "1 s base, its fixed half");
        assertEquals(1000, HostQueue.backoffMillis(1, cap, bound -> bound), "1 s base, all of its random half");
        assertEquals(4000, HostQueue.backoffMillis(3, cap, bound -> bound));
        assertEquals(15_000, HostQueue.backoffMillis(20, cap, bound -> 0), "capped at 30 s, half fixed");
        assertEquals(30_000, HostQueue.backoffMillis(20, cap, bound -> bound));
    }

    @Test
    void aHostHandedOverWhileQueuedDoesNotRunHereAndBusyTellsWhenItsRunEnded() throws Exception {
        owned.add("web2");
        CountDownLatch inRun = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        HostQueue queue = queue(host -> {
            inRun.countDown();
            await(release);
            return null;
        });
        queue.wake("web2");
        await(inRun);
        queue.wake("web2"); // queued behind the run in progress
        owned.remove("web2"); // handed to another controller
        queue.forget("web2");
        assertEquals(List.of("web2"), queue.busy(List.of("web2")), "its run here has not ended: the hand-over waits");
        release.countDown();
        eventually(() -> queue.busy(List.of("web2")).isEmpty());
        assertEquals(1, runs.get("web2").get(), "the queued run did not happen here");
        assertFalse(queue.wake("web2"), "another controller runs it now");
    }
}
