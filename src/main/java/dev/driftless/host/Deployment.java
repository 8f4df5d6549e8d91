package dev.driftless.host;

import java.time.Instant;

/**
 * One attempt to put a generation on a host, and how it ended.
 *
 * @param reason why it did not succeed, as a label ({@code failed-deploy}, {@code lost-connectivity}); null when it did
 */
public record Deployment(String commit, String path, Result result, Integer generation, Instant startedAt,
        Instant finishedAt, String message, String reason) {

    public enum Result {
        SUCCEEDED("succeeded"),
        FAILED("failed"),
        ROLLED_BACK("rolled_back"),
        /** The generation failed and returning to the one before failed too: a person must look. */
        ROLLBACK_FAILED("rollback_failed");

        private final String label;

        Result(String label) {
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
}
