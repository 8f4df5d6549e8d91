package dev.driftless.testing;

import static dev.driftless.testing.Shell.sh;

import java.nio.file.Path;

/** The bridge a {@link SystemdFleet}'s hosts share, on a /24 of 198.19.0.0/16 that no other run uses. */
final class FleetBridge {

    private static final Path ROOT = Path.of("/");

    private FleetBridge() {}

    /**
     * Makes bridge {@code name} as {@code .1} of a /24 that no interface on this machine has, and
     * returns the subnet's first three octets. Other runs claim subnets at the same time: a claim
     * that another bridge made at the same moment is given up and the next subnet tried. Namespace
     * fleets use 198.18.0.0/16, so the two kinds never meet.
     */
    static String claim(String name, FleetLedger ledger) {
        int start = (int) (ProcessHandle.current().pid() % 254);
        for (int k = 0; k < 254; k++) {
            String candidate = "198.19." + (1 + (start + k) % 254);
            if (sh(ROOT, "ip -o -4 addr show").contains(" " + candidate + ".")) {
                continue;
            }
            ledger.note("bridge", name);
            sh(ROOT, "ip link add \"$1\" type bridge && ip addr add \"$2.1/24\" dev \"$1\" && ip link set \"$1\" up", name, candidate);
            if (sh(ROOT, "ip -o -4 addr show | grep -c \" $1\\.\" || true", candidate).equals("1")) {
                ledger.note("net", candidate + ".");
                return candidate;
            }
            remove(name);
        }
        throw new IllegalStateException("no free /24 left in 198.19.0.0/16 for systemd test hosts");
    }

    static void remove(String name) {
        sh(ROOT, "ip link del \"$1\" 2>/dev/null || true", name);
    }
}
