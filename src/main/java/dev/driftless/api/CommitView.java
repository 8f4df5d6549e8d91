package dev.driftless.api;

import dev.driftless.fleet.CommitRecord;
import dev.driftless.secret.Redaction;
import java.time.Instant;
import java.util.List;

/**
 * A commit as {@code /api/v1/commits} shows it; {@code error} carries nix's own message, and
 * {@code inventory} where its hosts came from: {@code driftless}, {@code deploy-rs}, {@code colmena}
 * (the flake's outputs), {@code nixosConfigurations} (with {@code driftless.hosts-default.target}) or
 * {@code configuration}; null until it is evaluated.
 */
public record CommitView(String sha, String branch, String message, String author, Instant committedAt, Instant observedAt,
        String status, String error, List<String> changedHosts, String inventory) {

    /** Redacted once more on the way out, which also covers records written before errors were redacted when recorded. */
    static CommitView of(CommitRecord c) {
        return new CommitView(c.sha(), c.branch(), Redaction.redact(c.message()), c.author(), c.committedAt(), c.observedAt(),
                c.status().label(), Redaction.redact(c.error()), c.changedHosts(), c.inventorySource());
    }
}
