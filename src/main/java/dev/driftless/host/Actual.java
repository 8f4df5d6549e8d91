package dev.driftless.host;

/**
 * What a host runs: the resolved {@code /run/current-system} and the number of the current
 * system profile generation; {@code boot}, what it booted and boots next, when observed. A host
 * that has never been activated has a null path and generation 0.
 */
public record Actual(String path, int generation, Boot boot) {

    public static final Actual NOTHING = new Actual(null, 0);

    public Actual(String path, int generation) {
        this(path, generation, null);
    }

    public boolean rebootRequired() {
        return boot != null && boot.rebootRequired();
    }

    /**
     * Two observations are the same generation when path and number agree: what was booted is a
     * detail of the observation, not part of what runs, so records that remember an Actual (the
     * way back, where a host was left) compare as before.
     */
    @Override
    public boolean equals(Object o) {
        return o instanceof Actual a && java.util.Objects.equals(path, a.path) && generation == a.generation;
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(path, generation);
    }
}
