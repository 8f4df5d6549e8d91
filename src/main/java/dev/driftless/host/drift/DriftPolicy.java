package dev.driftless.host.drift;

import java.util.Locale;

/** What a host's reconcile does about one check's drift. */
public enum DriftPolicy {
    /** Re-activate the committed generation (which restores /etc and starts its units), then check again. */
    HEAL,
    /** Open an incident and show the drift, touch nothing: the default for every check but {@code system}. */
    REPORT,
    /** Do not run the check. */
    IGNORE;

    public static DriftPolicy of(String value) {
        for (DriftPolicy p : values()) {
            if (p.name().toLowerCase(Locale.ROOT).equals(value)) {
                return p;
            }
        }
        throw new IllegalArgumentException("'" + value + "' is not heal, report or ignore");
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
