package dev.driftless.event;

import java.time.Instant;

/** The followed branch has a new head. */
public record CommitObserved(String sha, String branch, String message, String author, Instant committedAt, Instant observedAt) {}
