package dev.driftless.event;

import dev.driftless.secret.Redaction;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/**
 * Something that happened to a host, in the shape of a CloudEvents 1.0 envelope: {@code type}
 * such as {@code dev.driftless.incident.opened}, {@code subject} the host.
 */
public record HostEvent(String specversion, String id, String source, String type, String subject, Instant time,
        String commit, Map<String, Object> data) {

    public static final String PREFIX = "dev.driftless.";
    public static final String STATE_CHANGED = PREFIX + "host.state-changed";
    public static final String DRIFT_DETECTED = PREFIX + "drift.detected";
    public static final String DEPLOYMENT_SUCCEEDED = PREFIX + "deployment.succeeded";
    public static final String DEPLOYMENT_FAILED = PREFIX + "deployment.failed";
    public static final String DEPLOYMENT_ROLLED_BACK = PREFIX + "deployment.rolled-back";
    public static final String REBOOT_REQUIRED = PREFIX + "host.reboot-required";
    public static final String INCIDENT_OPENED = PREFIX + "incident.opened";
    public static final String INCIDENT_CLOSED = PREFIX + "incident.closed";
    /** Subject is the branch: a head was not deployed because it rewrote the deployed history. */
    public static final String COMMIT_REFUSED = PREFIX + "commit.refused";

    /** Texts in {@code data} (a reason, nix's or a host's message) lose any credentials: events go to the API, Kafka and notifications. */
    public static HostEvent of(String type, String host, String commit, Map<String, Object> data) {
        Map<String, Object> redacted = new java.util.HashMap<>(data);
        redacted.replaceAll((key, value) -> value instanceof String text ? Redaction.redact(text) : value);
        return new HostEvent("1.0", UUID.randomUUID().toString(), "driftless", type, host, Instant.now(), commit, Map.copyOf(redacted));
    }

    public String host() {
        return subject;
    }
}
