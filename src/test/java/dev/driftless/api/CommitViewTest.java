package dev.driftless.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.driftless.fleet.CommitRecord;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class CommitViewTest {

    @Test
    void aCommitRecordedWithCredentialsInItsErrorAndMessageIsShownWithout() {
        // As a record written before errors were redacted on the way in still holds it.
        CommitRecord recorded = new CommitRecord("a".repeat(40), "main", "pin the input to https://bob:hunter2hunter2@git.example.org/lib",
                "Ann", Instant.EPOCH, Instant.EPOCH, CommitRecord.Status.FAILED,
                "evaluation failed: error: Cannot find Git revision 'abc' in ref 'main' of repository "
                        + "'http://x-access-token:ghp_0123456789abcdef@127.0.0.1:8080/fleet.git'!", List.of(), null, null);
        CommitView view = CommitView.of(recorded);
        assertEquals("evaluation failed: error: Cannot find Git revision 'abc' in ref 'main' of repository "
                + "'http://***@127.0.0.1:8080/fleet.git'!", view.error());
        assertEquals("pin the input to https://***@git.example.org/lib", view.message());
    }
}
