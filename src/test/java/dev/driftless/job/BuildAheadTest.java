package dev.driftless.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.driftless.nix.Nix;
import dev.driftless.nix.NixFailure;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Around a recording Nix: what is built ahead of a commit's evaluation, and when. The real nix path is bench/local-fleet.sh's. */
class BuildAheadTest {

    private final List<List<String>> realised = new CopyOnWriteArrayList<>();
    private final CountDownLatch release = new CountDownLatch(1);
    private volatile CountDownLatch started = new CountDownLatch(1);
    private volatile boolean hold;

    private final Nix nix = new Nix() {
        @Override
        public Evaluation evaluate(String flakeRef, Progress progress) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Map<String, String> build(Map<String, String> drvPaths) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void realise(Collection<String> drvPaths) throws NixFailure {
            realised.add(List.copyOf(drvPaths));
            started.countDown();
            if (hold) {
                await(release);
            }
            if (drvPaths.contains("/nix/store/broken.drv")) {
                throw new NixFailure("builder failed");
            }
        }

        @Override
        public void fetch(Collection<String> outPaths) {
            throw new UnsupportedOperationException();
        }
    };

    private static final Map<String, String> BEFORE = Map.of("web1", "/nix/store/w1-old.drv", "web2", "/nix/store/w2.drv");

    @Test
    void onlyAHostWhoseDrvPathChangedIsBuiltAhead() throws Exception {
        try (BuildAhead.Session session = new BuildAhead(nix, true).start("c1", BEFORE)) {
            session.accept("web2", "/nix/store/w2.drv"); // unchanged
            session.accept("db1", "/nix/store/db1.drv"); // new: the commit's build decides
            session.accept("web1", "/nix/store/w1-new.drv");
            assertTrue(started.await(10, TimeUnit.SECONDS));
        }
        assertEquals(List.of(List.of("/nix/store/w1-new.drv")), realised);
    }

    @Test
    void whatTheEvaluationShowsWhileABuildRunsGoesInTheNextBuildAndNothingAfterTheEnd() throws Exception {
        hold = true;
        Map<String, String> before = Map.of("a", "/nix/store/a0.drv", "b", "/nix/store/b0.drv", "c", "/nix/store/c0.drv",
                "d", "/nix/store/d0.drv");
        BuildAhead ahead = new BuildAhead(nix, true);
        BuildAhead.Session session = ahead.start("c1", before);
        session.accept("a", "/nix/store/a1.drv");
        assertTrue(started.await(10, TimeUnit.SECONDS));
        started = new CountDownLatch(1);
        session.accept("b", "/nix/store/b1.drv");
        session.accept("c", "/nix/store/c1.drv");
        session.accept("c", "/nix/store/c1.drv"); // told twice (a fallback evaluation): built once
        release.countDown();
        assertTrue(started.await(10, TimeUnit.SECONDS));
        session.close();
        session.accept("d", "/nix/store/d1.drv");
        ahead.settle();
        assertEquals(List.of(List.of("/nix/store/a1.drv"), List.of("/nix/store/b1.drv", "/nix/store/c1.drv")), realised);
    }

    @Test
    void aFailedBuildAheadIsLeftToTheCommitsBuildAndTheNextOneStillRuns() throws Exception {
        BuildAhead ahead = new BuildAhead(nix, true);
        try (BuildAhead.Session session = ahead.start("c1", Map.of("a", "/nix/store/a0.drv"))) {
            session.accept("a", "/nix/store/broken.drv");
            assertTrue(started.await(10, TimeUnit.SECONDS));
        }
        started = new CountDownLatch(1);
        try (BuildAhead.Session session = ahead.start("c2", Map.of("a", "/nix/store/broken.drv"))) {
            session.accept("a", "/nix/store/a2.drv");
            assertTrue(started.await(10, TimeUnit.SECONDS));
        }
        assertEquals(List.of(List.of("/nix/store/broken.drv"), List.of("/nix/store/a2.drv")), realised);
    }

    @Test
    void switchedOffNothingIsBuiltAhead() throws Exception {
        BuildAhead off = new BuildAhead(nix, false);
        try (BuildAhead.Session session = off.start("c1", BEFORE)) {
            session.accept("web1", "/nix/store/w1-new.drv");
        }
        off.settle();
        assertEquals(List.of(), realised);
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
