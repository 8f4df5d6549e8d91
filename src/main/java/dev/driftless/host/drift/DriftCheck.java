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
    UNITS("units", true, false),
    /** Store paths of the running generation's closure whose contents no longer match their hash; reads the closure, so runs on a slower interval. */
    STORE("store", false, false),
    /** The running generation's kernel, initrd or modules are not the booted ones: only a reboot activates them. Information. */
    REBOOT("reboot", false, true),
    /** Packages installed imperatively into root's or the system-wide default profile ({@code nix-env -i}, {@code nix profile install}). Information. */
    PROFILES("profiles", false, true);

    private final String label;
    private final boolean healable;
    private final boolean informational;

    DriftCheck(String label, boolean healable, boolean informational) {
        this.label = label;
        this.healable = healable;
        this.informational = informational;
    }

    DriftCheck(String label) {
        this(label, true, false);
    }

    public String label() {
        return label;
    }

    /** Re-activating the generation puts it right: only then may its policy be {@code heal}. */
    public boolean healable() {
        return healable;
    }

    /**
     * Shown (API, gauge, event) but not a reason to call the host out of sync: a kernel waiting for
     * a reboot, an imperative install. Everything else a host reports makes it OutOfSync.
     */
    public boolean informational() {
        return informational;
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
