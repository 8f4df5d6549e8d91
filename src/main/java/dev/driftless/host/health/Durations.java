package dev.driftless.host.health;

import java.time.Duration;

final class Durations {

    private Durations() {}

    /** {@code 30 s}, or {@code 250 ms} for limits under a second or not in whole seconds. */
    static String shown(Duration limit) {
        long millis = limit.toMillis();
        return millis % 1000 == 0 ? millis / 1000 + " s" : millis + " ms";
    }
}
