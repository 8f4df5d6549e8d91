package dev.driftless.host.health;

import dev.driftless.secret.Redaction;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

/**
 * One named check that a host must pass after a switch, with its own time limit. Plain data: the
 * {@link CheckRunner} runs it.
 */
public sealed interface HealthCheck {

    String name();

    Duration timeout();

    /** What the check does, for people, with no credential in it. */
    String describe();

    /** A shell command run on the host; healthy when it exits 0. */
    record Command(String name, String command, Duration timeout) implements HealthCheck {
        @Override
        public String describe() {
            return "command `" + Redaction.redact(command) + "`";
        }
    }

    /**
     * A URL the controller fetches with GET; healthy on {@code expectedStatus}, or on any 2xx when
     * it is null. Its credentials, if any, are in {@code url}: show it only through {@link #describe}.
     */
    record Url(String name, URI url, Integer expectedStatus, Duration timeout) implements HealthCheck {
        @Override
        public String describe() {
            return "GET " + shown(url);
        }

        /** The URL with its user info and the values of its query masked, since either may be a token. */
        static String shown(URI url) {
            String text = Redaction.redact(url.toString());
            int query = text.indexOf('?');
            if (query < 0) {
                return text;
            }
            String fragmentless = text.substring(query + 1).split("#", 2)[0];
            String masked = java.util.Arrays.stream(fragmentless.split("&"))
                    .map(pair -> pair.contains("=") ? pair.substring(0, pair.indexOf('=') + 1) + Redaction.MASK : Redaction.MASK)
                    .collect(Collectors.joining("&"));
            return text.substring(0, query + 1) + masked;
        }
    }

    /** systemd units that must all be active on the host. */
    record Units(String name, List<String> units, Duration timeout) implements HealthCheck {
        public Units {
            units = List.copyOf(units);
        }

        @Override
        public String describe() {
            return "units " + String.join(", ", units);
        }
    }
}
