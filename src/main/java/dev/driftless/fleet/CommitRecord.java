package dev.driftless.fleet;

import dev.driftless.inventory.DeclaredHosts;
import java.time.Instant;
import java.util.List;

/**
 * A commit Driftless has seen on the followed branch, and what became of it. Once evaluated,
 * {@code inventorySource} says where its hosts came from and {@code inventory} holds what its
 * flake declared; both null before.
 */
public record CommitRecord(String sha, String branch, String message, String author, Instant committedAt,
        Instant observedAt, Status status, String error, List<String> changedHosts, String inventorySource, DeclaredHosts inventory) {

    public enum Status {
        /** Seen; evaluation pending or running. */
        OBSERVED("observed"),
        /** Evaluated; the changed hosts are being built. */
        BUILDING("building"),
        /** Every host's generation is built and is now the desired state. */
        READY("ready"),
        /** Does not evaluate or build; hosts stay on their last good generation. */
        FAILED("failed"),
        /** A newer commit arrived before this one was ready. */
        SUPERSEDED("superseded"),
        /** The branch was force-pushed to a history without the deployed commit; not deployed. */
        REFUSED("refused");

        private final String label;

        Status(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }

        public boolean finished() {
            return this == READY || this == FAILED || this == SUPERSEDED || this == REFUSED;
        }

        static Status of(String label) {
            for (Status s : values()) {
                if (s.label.equals(label)) {
                    return s;
                }
            }
            throw new IllegalArgumentException("unknown commit status " + label);
        }

        @Override
        public String toString() {
            return label;
        }
    }
}
