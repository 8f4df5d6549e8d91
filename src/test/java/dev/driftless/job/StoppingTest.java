package dev.driftless.job;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.microprofile.reactive.messaging.Message;
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
                new CountDownLatch(1).await(); // as a job waits for its nix
            } catch (InterruptedException e) {
                interrupted.set(true);
            }
        });
        CountDownLatch end = new CountDownLatch(1);
        Thread idle = new Thread(() -> {
            try {
                end.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        job.start();
        idle.start();
        started.await();
        assertFalse(stopping.stopped());

        stopping.stopNow();

        assertTrue(stopping.stopped());
        await().atMost(Duration.ofSeconds(10)).untilTrue(interrupted);
        assertTrue(idle.isAlive() && !idle.isInterrupted(), "a thread running no job is left alone");
        end.countDown();
    }

    @Test
    void anAnswerCarriesTheMessagesAcknowledgementAndAJobCutShortAnswersNothingAndAcknowledgesNothing() {
        Stopping stopping = new Stopping();
        AtomicBoolean acked = new AtomicBoolean();
        Message<String> in = Message.of("commit", () -> {
            acked.set(true);
            return CompletableFuture.completedFuture(null);
        });

        assertNull(stopping.answer(in, payload -> null));
        assertFalse(acked.get(), "left for another worker or the next start");

        Message<Integer> out = stopping.answer(in, String::length);
        assertEquals(6, out.getPayload());
        assertFalse(acked.get(), "not before the answer is sent");
        out.ack().toCompletableFuture().join();
        assertTrue(acked.get(), "acknowledged once the answer is sent");
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
