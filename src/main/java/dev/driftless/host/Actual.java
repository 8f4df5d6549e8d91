package dev.driftless.host;

/**
 * What a host runs: the resolved {@code /run/current-system} and the number of the current
 * system profile generation. A host that has never been activated has a null path and generation 0.
 */
public record Actual(String path, int generation) {

    public static final Actual NOTHING = new Actual(null, 0);
}
