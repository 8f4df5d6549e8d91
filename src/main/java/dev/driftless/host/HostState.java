package dev.driftless.host;

/** Where a host stands against its committed generation. */
public enum HostState {
    UNKNOWN("Unknown"),
    IN_SYNC("InSync"),
    OUT_OF_SYNC("OutOfSync"),
    DEPLOYING("Deploying"),
    DEGRADED("Degraded"),
    UNREACHABLE("Unreachable"),
    /** No longer in the fleet's inventory: left running what it runs, not deployed to, not watched. */
    UNMANAGED("Unmanaged");

    private final String label;

    HostState(String label) {
        this.label = label;
    }

    /** The name users see in the API and in metric labels. */
    public String label() {
        return label;
    }

    /** The state named {@code label}; {@link #UNKNOWN} for a name this version does not know. */
    public static HostState of(String label) {
        for (HostState s : values()) {
            if (s.label.equals(label)) {
                return s;
            }
        }
        return UNKNOWN;
    }

    @Override
    public String toString() {
        return label;
    }
}
