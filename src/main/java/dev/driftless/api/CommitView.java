package dev.driftless.api;

import dev.driftless.fleet.CommitRecord;
import java.time.Instant;
import java.util.List;

/** A commit as {@code /api/v1/commits} shows it; {@code error} carries nix's own message. */
public record CommitView(String sha, String branch, String message, String author, Instant committedAt, Instant observedAt,
        String status, String error, List<String> changedHosts) {

    static CommitView of(CommitRecord c) {
        return new CommitView(c.sha(), c.branch(), c.message(), c.author(), c.committedAt(), c.observedAt(), c.status().label(),
                c.error(), c.changedHosts());
    }
}
