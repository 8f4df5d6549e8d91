package dev.driftless.host.transport;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * NixOS's switch inhibitors ({@code system.switch.inhibitors}): a generation lists what must not
 * change under a running system (systemd itself, say) in its {@code switch-inhibitors} file, and
 * {@code switch-to-configuration} refuses a live switch when that list differs from the running
 * generation's. Such a generation can only be booted. Reads what a host reported; no I/O.
 */
final class SwitchInhibitors {

    private SwitchInhibitors() {}

    /** {@code inhibited} then the lines that changed, or nothing: empty when the switch may run live. */
    static Optional<String> parse(String report) {
        List<String> lines = report.strip().lines().toList();
        if (lines.isEmpty() || !lines.get(0).equals("inhibited")) {
            return Optional.empty();
        }
        List<String> changed = lines.subList(1, lines.size()).stream().map(String::strip).filter(l -> !l.isEmpty()).distinct().toList();
        return Optional.of(changed.isEmpty() ? "its switch-inhibitors differ from the running generation's"
                : "its switch-inhibitors differ from the running generation's: " + String.join(", ", changed));
    }

    /** The lines in one list and not the other. */
    static List<String> changed(List<String> now, List<String> next) {
        List<String> out = new ArrayList<>(now.stream().filter(l -> !next.contains(l)).toList());
        out.addAll(next.stream().filter(l -> !now.contains(l)).toList());
        return out;
    }
}
