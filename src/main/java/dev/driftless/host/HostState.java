package dev.driftless.host;

/** Where a host stands against its committed generation. */
public enum HostState {
    UNKNOWN("Unknown"),
    IN_SYNC("InSync"),
    OUT_OF_SYNC("OutOfSync"),
    DEPLOYING("Deploying"),
    DEGRADED("Degraded"),
    UNREACHABLE("Unreachable");

    private final String label;

    HostState(String label) {
        this.label = label;
    }

    /** The name users see in the API and in metric labels. */
    public String label() {
        return label;
    }

    @Override
    public String toString() {
        return label;
    }
}
