package dev.driftless.host.transport;

import dev.driftless.host.Actual;
import dev.driftless.host.drift.Finding;
import java.util.List;

/**
 * One observation of a host and, when it was asked in the same call, the deep checks' answers
 * ({@code findings}; null when they were not asked): a resync of a host that stays in sync then
 * costs one round trip instead of two.
 */
public record Look(Actual actual, List<Finding> findings) {}
