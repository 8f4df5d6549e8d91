package dev.driftless.host;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class HostStatusTest {

    private static final Desired OLD = new Desired("aaa", Instant.EPOCH, "/nix/store/a.drv", "/nix/store/a-web1");
    private static final Desired NEW = new Desired("bbb", Instant.EPOCH, "/nix/store/b.drv", "/nix/store/b-web1");

    private static HostStatus inSyncOn(Desired desired) {
        return HostStatus.unknown("web1", "local:/x").withDesired(desired).observed(new Actual(desired.path(), 1), Instant.now()).converged();
    }

    @Test
    void newDesiredGenerationMakesAnInSyncHostOutOfSyncAtOnce() {
        HostStatus status = inSyncOn(OLD).withDesired(NEW);
        assertEquals(HostState.OUT_OF_SYNC, status.state());
        assertEquals(NEW, status.desired());
    }

    @Test
    void newCommitWithTheSameGenerationKeepsTheHostInSync() {
        Desired sameGeneration = new Desired("ccc", Instant.EPOCH, OLD.drvPath(), OLD.path());
        assertEquals(HostState.IN_SYNC, inSyncOn(OLD).withDesired(sameGeneration).state());
    }

    @Test
    void driftStartIsKeptAcrossRepeatedObservations() {
        Instant first = Instant.parse("2026-01-01T00:00:00Z");
        HostStatus status = inSyncOn(OLD).drifting(DriftCause.OUT_OF_BAND, first).drifting(DriftCause.OUT_OF_BAND, first.plusSeconds(60));
        assertEquals(first, status.driftSince());
        assertEquals(null, status.converged().driftSince());
    }

    @Test
    void aRunThatReachedTheOldGenerationAfterANewCommitWasPromotedLeavesTheHostOutOfSync() {
        HostStatus promotedMeanwhile = HostStatus.unknown("web1", "local:/x").withDesired(NEW);
        HostStatus recorded = promotedMeanwhile.observed(new Actual(OLD.path(), 1), Instant.now()).converged("in sync on generation 1");
        assertEquals(HostState.OUT_OF_SYNC, recorded.state());
        assertEquals("commit bbb is waiting to be deployed", recorded.message());
    }
}
