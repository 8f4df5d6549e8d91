package dev.driftless.nix;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.driftless.exec.ProcessResult;
import dev.driftless.exec.ProcessRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Several evaluation processes that take work from each other: the evaluation ends when every
 * host is known, stops the processes still running, and fails with the first host that fails.
 */
class SharedEvaluationTest {

    private final ExecutorService threads = Executors.newCachedThreadPool();

    @AfterEach
    void stop() {
        threads.shutdownNow();
    }

    /** Stands in for a process stuck on its first host until it is stopped, as ProcessRunner stops one. */
    private static void stuck(CountDownLatch started, CountDownLatch stopped) throws NixFailure {
        started.countDown();
        try {
            new CountDownLatch(1).await();
        } catch (InterruptedException e) {
            stopped.countDown();
            throw new NixFailure("killed");
        }
    }

    /** The other process goes on once the stuck one is stuck: a task stopped before it started would never say so. */
    private static void after(CountDownLatch started) throws NixFailure {
        try {
            if (!started.await(30, TimeUnit.SECONDS)) {
                throw new NixFailure("the stuck process never started");
            }
        } catch (InterruptedException e) {
            throw new NixFailure("killed");
        }
    }

    @Test
    void aProcessDoneWithItsShareEvaluatesTheOthersAndTheStuckOneIsStopped() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch stopped = new CountDownLatch(1);
        List<String> heard = new CopyOnWriteArrayList<>();
        SharedEvaluation.Result result = SharedEvaluation.run(EvalShares.orders(List.of("a", "b", "c", "d"), 2),
                (index, order, found) -> {
                    if (order.get(0).equals("a")) {
                        stuck(started, stopped);
                    }
                    after(started);
                    order.forEach(host -> found.accept(host, "/nix/store/x-" + host + ".drv"));
                }, (host, drv) -> heard.add(host), threads);

        assertEquals(Map.of("a", "/nix/store/x-a.drv", "b", "/nix/store/x-b.drv", "c", "/nix/store/x-c.drv", "d", "/nix/store/x-d.drv"),
                result.drvPaths());
        assertEquals(List.of("b", "d", "c", "a"), heard);
        assertTrue(stopped.await(10, TimeUnit.SECONDS), "the process stuck on a was stopped");
        assertTrue(result.shares().get(0).stopped());
        assertEquals(List.of(), result.shares().get(0).firstToKnow());
        assertEquals(List.of("b", "d", "c", "a"), result.shares().get(1).firstToKnow());
    }

    @Test
    void twoProcessesThatMeetOnAHostReportItOnce() throws Exception {
        CountDownLatch bothAt = new CountDownLatch(2);
        List<String> heard = new CopyOnWriteArrayList<>();
        SharedEvaluation.Result result = SharedEvaluation.run(EvalShares.orders(List.of("a", "b"), 2),
                (index, order, found) -> {
                    found.accept(order.get(0), "/nix/store/x-" + order.get(0) + ".drv");
                    bothAt.countDown();
                    try {
                        bothAt.await(); // each has its own host before either takes the other's
                    } catch (InterruptedException e) {
                        throw new NixFailure("killed");
                    }
                    found.accept(order.get(1), "/nix/store/x-" + order.get(1) + ".drv");
                }, (host, drv) -> heard.add(host), threads);

        assertEquals(2, result.drvPaths().size());
        assertEquals(2, heard.size(), "each host once: " + heard);
        assertEquals(List.of("a"), result.shares().get(0).firstToKnow());
        assertEquals(List.of("b"), result.shares().get(1).firstToKnow());
    }

    @Test
    void aHostThatFailsFailsTheEvaluationAndStopsTheOtherProcesses() {
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch stopped = new CountDownLatch(1);
        NixFailure failure = assertThrows(NixFailure.class, () -> SharedEvaluation.run(
                EvalShares.orders(List.of("a", "b"), 2),
                (index, order, found) -> {
                    if (order.get(0).equals("a")) {
                        stuck(started, stopped);
                    }
                    after(started);
                    found.accept("b", "/nix/store/x-b.drv");
                    throw new NixFailure("error: attribute 'boot' missing, while evaluating host a");
                }, (host, drv) -> {}, threads));
        assertEquals("error: attribute 'boot' missing, while evaluating host a", failure.getMessage());
        assertTrue(awaitQuietly(stopped), "the other process was stopped");
    }

    @Test
    void aProcessThatEndsWithoutTellingEveryHostIsAFailureNotAHang() {
        NixFailure failure = assertThrows(NixFailure.class, () -> SharedEvaluation.run(
                EvalShares.orders(List.of("a", "b"), 2),
                (index, order, found) -> found.accept("a", "/nix/store/x-a.drv"), (host, drv) -> {}, threads));
        assertTrue(failure.getMessage().contains("without reporting"), failure.getMessage());
    }

    /**
     * With the real nix: the process given host a first is stuck on it (reading a pipe nobody
     * writes), the other evaluates its share, then a; the evaluation ends and the stuck nix is killed.
     */
    @Test
    void withRealNixTheStuckProcessIsKilledOnceTheOtherHasEvaluatedEveryHost(@TempDir Path dir) throws Exception {
        Path pipe = dir.resolve("never-written");
        assertEquals(0, new ProcessBuilder("mkfifo", pipe.toString()).start().waitFor());
        String configs = "{ a = { config.system.build.toplevel.drvPath = let gate = builtins.getEnv \"GATE\"; in"
                + " if gate == \"\" then \"/nix/store/aaa-a.drv\" else builtins.seq (builtins.readFile gate) \"/nix/store/aaa-a.drv\"; };"
                + " b = { config.system.build.toplevel.drvPath = \"/nix/store/bbb-b.drv\"; };"
                + " c = { config.system.build.toplevel.drvPath = \"/nix/store/ccc-c.drv\"; }; }";
        String marker = "driftless-shared-evaluation-test-" + ProcessHandle.current().pid();
        SharedEvaluation.Result result = SharedEvaluation.run(EvalShares.orders(List.of("a", "b", "c"), 2),
                (index, order, found) -> {
                    Map<String, String> env = order.get(0).equals("a") ? Map.of("GATE", pipe.toString()) : Map.of();
                    ProcessResult run = ProcessRunner.run(List.of("nix-instantiate", "--eval", "--strict", "--json", "--expr",
                            "(" + EvalShares.apply(index, 2, List.of()) + ") (builtins.seq \"" + marker + "\" " + configs + ")"), env,
                            Duration.ofMinutes(2), null, line -> NixCli.found(line, new Nix.Progress(List.of(), found)));
                    if (!run.ok()) {
                        throw new NixFailure(run.explain());
                    }
                }, (host, drv) -> {}, threads);

        assertEquals(Map.of("a", "/nix/store/aaa-a.drv", "b", "/nix/store/bbb-b.drv", "c", "/nix/store/ccc-c.drv"), result.drvPaths());
        assertEquals(List.of("b", "c", "a"), result.shares().get(1).firstToKnow(), "the free process took c and a");
        assertTrue(result.shares().get(0).stopped());
        // The kill follows the stop on the stopped process's own thread.
        await("the stuck nix-instantiate is killed").atMost(Duration.ofSeconds(30))
                .until(() -> ProcessHandle.allProcesses().noneMatch(p -> p.info().commandLine().orElse("").contains(marker)));
        assertTrue(Files.exists(pipe));
    }

    private static boolean awaitQuietly(CountDownLatch latch) {
        try {
            return latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            return false;
        }
    }
}
