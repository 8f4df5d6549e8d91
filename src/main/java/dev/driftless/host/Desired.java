package dev.driftless.host;

import java.time.Instant;

/** The generation a host should run: the toplevel that {@code commit} builds for it. */
public record Desired(String commit, Instant committedAt, String drvPath, String path) {}
