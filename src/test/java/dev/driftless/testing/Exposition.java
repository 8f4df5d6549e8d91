package dev.driftless.testing;

import java.time.Duration;

/** Small helpers the packaged-jar tests share: reading Prometheus's text exposition, and letting resyncs pass. */
public final class Exposition {

    private Exposition() {}

    /** The sum of every series of {@code exposition} whose line starts with {@code series}. */
    public static double total(String exposition, String series) {
        return exposition.lines().filter(l -> l.startsWith(series))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    /** Lets {@code time} pass, for tests that must see that nothing happens meanwhile. */
    public static void letPass(Duration time) {
        try {
            Thread.sleep(time.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}
