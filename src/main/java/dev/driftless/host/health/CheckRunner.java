package dev.driftless.host.health;

import dev.driftless.host.transport.HostTransport;
import dev.driftless.host.transport.HostUnreachable;
import dev.driftless.host.transport.StepFailed;
import dev.driftless.secret.Redaction;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Runs one host's checks in order and stops at the first that fails. Its message names the check,
 * says what it does and what it answered, bounded and with no credential in it, for example
 * {@code health check "api" (GET https://web1/healthz) answered 503: …}.
 */
public final class CheckRunner {

    /** What is kept of a check's output in its message. */
    static final int OUTPUT_LIMIT = 1000;

    private final List<HealthCheck> checks;
    private final UrlProbe http;

    public CheckRunner(List<HealthCheck> checks, UrlProbe http) {
        this.checks = List.copyOf(checks);
        this.http = http;
    }

    /**
     * Why the host is not healthy, or empty when every check passed. A host that cannot be reached
     * for a check is no verdict on its generation, so that throws instead.
     */
    public Optional<String> firstFailure(HostTransport transport) throws HostUnreachable {
        for (HealthCheck check : checks) {
            String problem = problem(check, transport);
            if (problem != null) {
                return Optional.of(Redaction.redact("health check \"" + check.name() + "\" (" + check.describe() + ") " + problem));
            }
        }
        return Optional.empty();
    }

    private String problem(HealthCheck check, HostTransport transport) throws HostUnreachable {
        if (check instanceof HealthCheck.Url url) {
            return http.problem(url);
        }
        if (check instanceof HealthCheck.Units units) {
            try {
                transport.checkHealth(isActive(units.units()), units.timeout());
                return null;
            } catch (StepFailed e) {
                return notActive(units.units(), e.detail());
            }
        }
        HealthCheck.Command command = (HealthCheck.Command) check;
        try {
            transport.checkHealth(command.command(), command.timeout());
            return null;
        } catch (StepFailed e) {
            return "failed: " + bounded(e.detail());
        }
    }

    /**
     * {@code systemctl is-active} prints one state per unit, in order, on stdout; sent to stderr,
     * since that is what a failed command reports.
     */
    static String isActive(List<String> units) {
        return "systemctl is-active -- " + units.stream().map(u -> "'" + u + "'").collect(Collectors.joining(" ")) + " >&2";
    }

    /** The units that are not active with their states, read from the states in order; else the output as it is. */
    static String notActive(List<String> units, String output) {
        List<String> states = output.lines().map(String::strip).filter(line -> !line.isEmpty()).toList();
        if (states.size() == units.size() && states.stream().allMatch(s -> s.matches("[a-z-]+"))) {
            List<String> down = new ArrayList<>();
            for (int i = 0; i < units.size(); i++) {
                if (!states.get(i).equals("active")) {
                    down.add(units.get(i) + " is " + states.get(i));
                }
            }
            if (!down.isEmpty()) {
                return "found " + String.join(", ", down);
            }
        }
        return "failed: " + bounded(output);
    }

    private static String bounded(String output) {
        String text = output.strip();
        return text.length() > OUTPUT_LIMIT ? text.substring(0, OUTPUT_LIMIT) + "…" : text;
    }
}
