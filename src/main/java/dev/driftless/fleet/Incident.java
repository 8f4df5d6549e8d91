package dev.driftless.fleet;

import java.time.Duration;
import java.time.Instant;

/** A host away from InSync for a reason other than a new commit, from detection to recovery. */
public record Incident(long id, String host, String cause, Instant openedAt, Instant closedAt, String commit, String message) {

    public boolean open() {
        return closedAt == null;
    }

    /** Time to recover; null while open. */
    public Duration duration() {
        return closedAt == null ? null : Duration.between(openedAt, closedAt);
    }
}
