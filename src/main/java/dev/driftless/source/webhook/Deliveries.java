package dev.driftless.source.webhook;

import java.util.LinkedHashMap;
import java.util.Map;

/** Delivery ids seen lately, so that a provider's retry of a delivery does nothing twice. */
final class Deliveries {

    private final int capacity;
    private final Map<String, Boolean> seen;

    Deliveries(int capacity) {
        this.capacity = capacity;
        this.seen = new LinkedHashMap<>(16, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                return size() > Deliveries.this.capacity;
            }
        };
    }

    /** Records the delivery; false when it was seen before. A missing id is never a duplicate. */
    synchronized boolean firstTime(String provider, String id) {
        if (id == null || id.isBlank()) {
            return true;
        }
        return seen.put(provider + ":" + id, Boolean.TRUE) == null;
    }
}
