package dev.driftless.host.drift;

import java.util.Optional;

/**
 * What is checked on a host that runs its committed generation, beyond the generation itself
 * ({@code system}, which the reconcile loop always compares): named in incidents, history,
 * events, metrics and the API by their label.
 */
public enum DriftCheck {
    /** Files NixOS manages under /etc that no longer point into the generation's /etc/static. */
    ETC("etc"),
    /** Units the generation wants (its *.wants links) that are failed, or inactive without having run to success. */
    UNITS("units");

    private final String label;

    DriftCheck(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    public static Optional<DriftCheck> of(String label) {
        for (DriftCheck c : values()) {
            if (c.label.equals(label)) {
                return Optional.of(c);
            }
        }
        return Optional.empty();
    }

    @Override
    public String toString() {
        return label;
    }
}
