package dev.driftless.host;

/** Why a host is not running its committed generation. */
public enum DriftCause {
    NEW_COMMIT("new-commit"),
    OUT_OF_BAND("out-of-band"),
    FAILED_DEPLOY("failed-deploy"),
    UNREACHABLE("unreachable"),
    /** A generation after which the host could not be reached over a new connection: it was rolled back. */
    LOST_CONNECTIVITY("lost-connectivity");

    private final String label;

    DriftCause(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    @Override
    public String toString() {
        return label;
    }
}
