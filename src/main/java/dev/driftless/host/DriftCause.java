package dev.driftless.host;

/** Why a host is not running its committed generation. */
public enum DriftCause {
    NEW_COMMIT("new-commit"),
    OUT_OF_BAND("out-of-band"),
    FAILED_DEPLOY("failed-deploy"),
    UNREACHABLE("unreachable"),
    /** A generation after which the host could not be reached over a new connection: it was rolled back. */
    LOST_CONNECTIVITY("lost-connectivity"),
    /** It runs the committed generation, but files NixOS manages under /etc were changed (the deep check {@code etc}). */
    ETC("etc"),
    /** It runs the committed generation, but units it wants are failed or inactive (the deep check {@code units}). */
    UNITS("units"),
    /** It runs the committed generation, but store paths of its closure were modified (the deep check {@code store}). */
    STORE("store");

    private final String label;

    DriftCause(String label) {
        this.label = label;
    }

    /** The cause a deep drift check's drift is recorded under. */
    public static DriftCause of(dev.driftless.host.drift.DriftCheck check) {
        return switch (check) {
            case ETC -> ETC;
            case UNITS -> UNITS;
            case STORE -> STORE;
            case REBOOT, PROFILES -> throw new IllegalArgumentException(check + " is information, never a cause");
        };
    }

    public boolean deep() {
        return this == ETC || this == UNITS || this == STORE;
    }

    public String label() {
        return label;
    }

    @Override
    public String toString() {
        return label;
    }
}
