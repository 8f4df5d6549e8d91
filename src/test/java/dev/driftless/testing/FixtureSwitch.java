package dev.driftless.testing;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One run of a fixture generation's {@code bin/switch-to-configuration} on a host
 * (src/test/fleets/systemd), as its record on the host tells it: every invocation counts, one
 * refused by the switch lock too. {@code exitCode} is null while it runs, or when it was killed.
 */
public record FixtureSwitch(String goal, String path, Instant started, Integer exitCode, Instant ended) {

    public boolean finished() {
        return exitCode != null;
    }

    /** Parses the lines {@code start ID GOAL PATH TIME} and {@code end ID STATUS TIME}, oldest first. */
    static List<FixtureSwitch> parse(String record) {
        Map<String, FixtureSwitch> runs = new LinkedHashMap<>();
        for (String line : record.split("\n")) {
            String[] f = line.strip().split(" ");
            if (f.length == 5 && f[0].equals("start")) {
                runs.put(f[1], new FixtureSwitch(f[2], f[3], instant(f[4]), null, null));
            } else if (f.length == 4 && f[0].equals("end") && runs.containsKey(f[1])) {
                FixtureSwitch s = runs.get(f[1]);
                runs.put(f[1], new FixtureSwitch(s.goal, s.path, s.started, Integer.valueOf(f[2]), instant(f[3])));
            }
        }
        return new ArrayList<>(runs.values());
    }

    /** {@code date +%s.%N}. */
    private static Instant instant(String secondsDotNanos) {
        String[] parts = secondsDotNanos.split("\\.");
        return Instant.ofEpochSecond(Long.parseLong(parts[0]), parts.length > 1 ? Long.parseLong(parts[1]) : 0);
    }
}
