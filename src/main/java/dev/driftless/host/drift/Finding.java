package dev.driftless.host.drift;

import java.util.List;

/**
 * One check's result on one observation: {@code drift} with what shows it ({@code evidence}, such
 * as the /etc files that were replaced), or none; {@code known} is false when the host cannot
 * tell (no /etc/static, no systemd), which is neither.
 */
public record Finding(DriftCheck check, boolean known, boolean drift, List<String> evidence) {

    public Finding {
        evidence = List.copyOf(evidence);
    }

    public static Finding clean(DriftCheck check) {
        return new Finding(check, true, false, List.of());
    }

    public static Finding unknown(DriftCheck check, String why) {
        return new Finding(check, false, false, List.of(why));
    }

    public static Finding drift(DriftCheck check, List<String> evidence) {
        return new Finding(check, true, true, evidence);
    }

    /** The evidence in one line for messages and notifications: the first few items and how many more. */
    public String summary() {
        int shown = Math.min(5, evidence.size());
        String head = String.join("; ", evidence.subList(0, shown));
        return check.label() + ": " + head + (evidence.size() > shown ? "; and " + (evidence.size() - shown) + " more" : "");
    }
}
