package dev.driftless.job;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class StoppingTest {

    @Test
    void aStopInterruptsTheJobsInProgressAndNoOther() throws Exception {
        Stopping stopping = new Stopping();
        CountDownLatch started = new CountDownLatch(1);
        AtomicBoolean interrupted = new AtomicBoolean();
        Thread job = new Thread(() -> {
            try (Stopping.Job running = stopping.job()) {
                started.countDown();
                Thread.sleep(60_000);
            } catch (InterruptedException e) {
                interrupted.set(true);
            }
        });
        Thread idle = new Thread(() -> {
            try {
                Thread.sleep(60_000);
            } catch (InterruptedException e) {
                // only the test's own end interrupts it
            }
        });
        job.start();
        idle.start();
        started.await();
        assertFalse(stopping.stopped());

        stopping.stopNow();

        assertTrue(stopping.stopped());
        await().atMost(Duration.ofSeconds(10)).untilTrue(interrupted);
        assertTrue(idle.isAlive(), "a thread running no job is left alone");
        idle.interrupt();
    }

    @Test
    void aJobThatStartsOnceTheProcessStopsIsInterruptedAtOnce() {
        Stopping stopping = new Stopping();
        stopping.stopNow();
        try (Stopping.Job running = stopping.job()) {
            assertTrue(Thread.interrupted(), "the job's thread is interrupted, so its nix never runs");
        }
    }

    @Test
    void aJobThatEndedIsNotInterruptedByALaterStop() {
        Stopping stopping = new Stopping();
        try (Stopping.Job running = stopping.job()) {
            assertFalse(Thread.currentThread().isInterrupted());
        }
        stopping.stopNow();
        assertFalse(Thread.interrupted(), "the thread went on to other work");
    }
}
