package dev.driftless.host.transport;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalWorkTest {

    @TempDir
    Path root;

    @Test
    void noMoreStepsRunAtOnceThanThereArePermits() throws Exception {
        LocalWork work = new LocalWork(2);
        AtomicInteger running = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> steps = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            Thread t = new Thread(() -> {
                try (LocalWork.Slot slot = work.enter().orElseThrow()) {
                    most.accumulateAndGet(running.incrementAndGet(), Math::max);
                    go.await();
                    running.decrementAndGet();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            t.start();
            steps.add(t);
        }
        // Two steps hold the permits and the other four wait for them.
        await().atMost(Duration.ofSeconds(10)).until(() -> running.get() == 2
                && steps.stream().filter(t -> t.getState() == Thread.State.WAITING).count() == 6);
        go.countDown();
        for (Thread t : steps) {
            t.join(10_000);
        }
        assertEquals(2, most.get());
        assertEquals(2, work.available());
    }

    @Test
    void aStoppingProcessEndsTheWaitWithoutAPermit() throws Exception {
        LocalWork work = new LocalWork(1);
        LocalWork.Slot held = work.enter().orElseThrow();
        Thread.currentThread().interrupt();
        assertTrue(work.enter().isEmpty());
        assertTrue(Thread.interrupted()); // the interruption is kept for the caller
        held.close();
        assertEquals(1, work.available());
    }

    @Test
    void aFailingNixStepOfALocalHostGivesItsSlotBack() throws Exception {
        Files.createDirectories(root.resolve("host"));
        LocalWork work = new LocalWork(1);
        LocalTransport host = new LocalTransport(root.resolve("host"), Map.of(), List.of(), Duration.ofSeconds(30), work);
        assertThrows(StepFailed.class, () -> host.copy("/nix/store/00000000000000000000000000000000-not-there"));
        assertThrows(StepFailed.class, () -> host.setProfile("/nix/store/00000000000000000000000000000000-not-there"));
        assertEquals(1, work.available());
    }
}
