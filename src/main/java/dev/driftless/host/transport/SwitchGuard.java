package dev.driftless.host.transport;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * The host-side guard of a switch ("magic rollback"): a transient unit armed before the switch
 * that, unless the controller confirms the deployment over a new SSH connection within the
 * confirm timeout after the switch ends, sets the system profile back to the generation the
 * host ran before and activates it. It needs nothing from the controller, so a generation that
 * cuts the host off (firewall, network, sshd) undoes itself.
 *
 * <p>Whoever decides first wins, atomically: the guard and a confirmation (or the controller's
 * own rollback) each try to make the same directory; the loser leaves the host to the winner.
 * The guard's unit is named after the switch's, so the sudoers lines for switches cover it.
 * Builds the shell programs and reads their last line; no I/O of its own.
 */
public final class SwitchGuard {

    static final String DIR = "/run/driftless/guards";
    private static final String MARK = "driftless-guard: ";
    private static final int OUTPUT_LINES = 20;

    /** What the host says about the guard of one switch. */
    public enum Kind {
        /** The host has no systemd to keep a guard: only the controller can undo a switch there. */
        UNSUPPORTED,
        /** Counting down: it fires unless confirmed in time. */
        ARMED,
        /** Confirmed (or taken over by the controller's own rollback) before it fired; nothing is left of it. */
        DISARMED,
        /** No guard of this name (never armed, confirmed earlier, or the host rebooted since). */
        NONE,
        /** It fired and is returning the host to the generation before. */
        FIRING,
        /** It fired and ended; {@code exitCode} is its switch's. */
        ROLLED_BACK,
        /** It could not be armed (sudo refused, systemd-run failed); the switch must not run. */
        NOT_ARMED
    }

    public record State(Kind kind, int exitCode, String output) {

        public boolean fired() {
            return kind == Kind.FIRING || kind == Kind.ROLLED_BACK;
        }
    }

    private SwitchGuard() {}

    public static String unit(String runId) {
        return SwitchUnit.unit(runId) + "-guard";
    }

    /**
     * Arms the guard of switch {@code runId}: back to {@code beforePath} (generation
     * {@code beforeGeneration} of the system profile when it still is that path) unless confirmed
     * within {@code within} after the switch ends. Arming again while it counts down changes nothing.
     */
    public static List<String> arm(String runId, String beforePath, int beforeGeneration, Duration within, boolean sudo, String lock) {
        return arm(runId, beforePath, beforeGeneration, within, sudo, lock, false);
    }

    /** {@code test}: the switch does not make its generation the boot default, so the way back leaves the profile alone too. */
    public static List<String> arm(String runId, String beforePath, int beforeGeneration, Duration within, boolean sudo, String lock,
            boolean test) {
        return List.of("sh", "-c", REPORT + ARM, "driftless-guard", unit(runId), SwitchUnit.unit(runId), beforePath,
                String.valueOf(test ? -1 : beforeGeneration), String.valueOf(Math.max(1, within.toSeconds())), lock, sudo ? "yes" : "no", GUARD);
    }

    /**
     * Settles the guard for the controller: disarms it if it has not fired (a confirmation, or the
     * controller taking the rollback on itself), else reports what it did.
     */
    public static List<String> settle(String runId, boolean sudo) {
        return List.of("sh", "-c", SETTLE_OUTER, "driftless-guard", unit(runId), sudo ? "yes" : "no", REPORT + SETTLE);
    }

    /** Only reports what the host knows of the guard. */
    public static List<String> query(String runId) {
        return List.of("sh", "-c", REPORT + QUERY, "driftless-guard", unit(runId));
    }

    public static State parse(String stdout) {
        List<String> lines = Arrays.asList(stdout.split("\n", -1));
        for (int i = lines.size() - 1; i >= 0; i--) {
            if (lines.get(i).startsWith(MARK)) {
                String output = String.join("\n", lines.subList(0, i)).strip();
                String[] words = lines.get(i).substring(MARK.length()).strip().split("\\s+");
                int code = words.length > 1 && words[1].matches("-?\\d{1,4}") ? Integer.parseInt(words[1]) : -1;
                Kind kind = switch (words[0]) {
                    case "unsupported" -> Kind.UNSUPPORTED;
                    case "armed" -> Kind.ARMED;
                    case "disarmed" -> Kind.DISARMED;
                    case "firing" -> Kind.FIRING;
                    case "rolled-back" -> Kind.ROLLED_BACK;
                    case "none" -> Kind.NONE;
                    default -> Kind.NOT_ARMED;
                };
                return new State(kind, code, output);
            }
        }
        return new State(Kind.NOT_ARMED, -1, stdout.strip());
    }

    /** Why arming failed, for the operator. */
    public static String explain(State state) {
        String text = state.output().isBlank() ? "no output" : state.output();
        if (text.contains("sudo:")) {
            return "sudo refused to arm the switch's guard (" + text + "); the user needs the sudoers lines for Driftless (README, Non-root deploys)";
        }
        return "the switch's guard could not be armed: " + text;
    }

    /** Reports the guard's state from its status file and unit. */
    private static final String REPORT = """
            d=%s
            report() {
              st=$(cat "$d/$g.status" 2>/dev/null)
              case "$st" in
                rolled-back*) [ -f "$d/$g.log" ] && tail -n %d "$d/$g.log"; echo "driftless-guard: $st" ;;
                firing) echo "driftless-guard: firing" ;;
                *) case "$(systemctl show -p ActiveState --value "$g.service" 2>/dev/null)" in
                     active|activating|deactivating|reloading) echo "driftless-guard: armed" ;;
                     *) echo "driftless-guard: none" ;;
                   esac ;;
              esac
            }
            """.formatted(DIR, OUTPUT_LINES);

    private static final String QUERY = """
            g=$1
            report
            """;

    /** As the SSH user: starts the guard's unit (through sudo for a deploy user) unless it runs or fired. */
    private static final String ARM = """
            g=$1 sw=$2 before=$3 gen=$4 wait=$5 lock=$6 guard=$8
            s=; [ "$7" = yes ] && s="sudo -n"
            if [ ! -d /run/systemd/system ] || ! command -v systemd-run >/dev/null 2>&1; then echo "driftless-guard: unsupported"; exit 0; fi
            if [ -e "$d/$g.decided" ]; then report; exit 0; fi
            case "$(systemctl show -p ActiveState --value "$g.service" 2>/dev/null)" in
              active|activating) echo "driftless-guard: armed"; exit 0 ;;
              failed) $s systemctl reset-failed "$g.service" 2>/dev/null ;;
            esac
            out=$($s systemd-run --unit="$g" --description="Driftless: back to $before unless the switch is confirmed" --collect \\
              --no-ask-password --quiet --service-type=exec ${LOCALE_ARCHIVE:+--setenv=LOCALE_ARCHIVE=$LOCALE_ARCHIVE} \\
              -- /bin/sh -c "$guard" driftless-guard "$d" "$g" "$sw" "$before" "$gen" "$wait" "$lock" 2>&1)
            rc=$?
            if [ $rc = 0 ]; then echo "driftless-guard: armed"; else printf '%s\\n' "$out"; echo "driftless-guard: not-armed $rc"; fi
            """;

    /**
     * As root in the guard's unit. The countdown starts when the switch ends (its status file), or
     * a minute after its unit was last seen running when it never leaves one. A switch that could
     * not start (the lock was held) changed nothing, so the guard ends with it.
     */
    private static final String GUARD = """
            d=$1 g=$2 sw=$3 before=$4 gen=$5 wait=$6 lock=$7
            umask 022
            mkdir -p "$d" || exit 70
            find "$d" -mindepth 1 -mmin +1440 -exec rm -rf {} + 2>/dev/null
            s=/run/driftless/switches
            rm -f "$s/$sw.busy"
            echo armed > "$d/$g.status"
            n=0
            until [ -f "$s/$sw.status" ]; do
              if [ -f "$s/$sw.busy" ]; then rm -f "$d/$g.status"; exit 0; fi
              case "$(systemctl show -p ActiveState --value "$sw.service" 2>/dev/null)" in
                active|activating|deactivating|reloading) n=0 ;;
                *) n=$((n + 1)); [ $n -gt 60 ] && break ;;
              esac
              sleep 1
            done
            sleep "$wait"
            mkdir "$d/$g.decided" 2>/dev/null || exit 0
            trap '' TERM INT HUP
            echo firing > "$d/$g.status"
            # Generation -1: the switch was a `test`, which left the profile alone; so does the way back.
            flock -w 600 "$lock" sh -c '
              p=/nix/var/nix/profiles/system
              [ "$2" = -1 ] && exec "$1/bin/switch-to-configuration" test
              if [ "$2" -gt 0 ] && [ "$(readlink -f "$p-$2-link")" = "$1" ]; then nix-env -p "$p" --switch-generation "$2"
              else nix-env -p "$p" --set "$1"; fi || exit 3
              exec "$1/bin/switch-to-configuration" switch' driftless-guard "$before" "$gen" > "$d/$g.log" 2>&1 < /dev/null
            echo "rolled-back $?" > "$d/$g.status.new" && mv "$d/$g.status.new" "$d/$g.status"
            """;

    /** As the SSH user: settles as root, directly or through a transient unit for a deploy user. */
    private static final String SETTLE_OUTER = """
            g=$1 prog=$3
            if [ ! -d /run/systemd/system ] || ! command -v systemd-run >/dev/null 2>&1; then echo "driftless-guard: unsupported"; exit 0; fi
            if [ "$2" = yes ]; then
              sudo -n systemd-run --unit="$g-settle" --collect --no-ask-password --quiet --pipe --wait -- /bin/sh -c "$prog" driftless-guard "$g" 2>&1
            else
              sh -c "$prog" driftless-guard "$g"
            fi
            """;

    /** As root: the first to make {@code .decided} decides; a confirmation leaves nothing behind. */
    private static final String SETTLE = """
            g=$1
            umask 022
            mkdir -p "$d"
            if mkdir "$d/$g.decided" 2>/dev/null; then
              systemctl stop "$g.service" 2>/dev/null
              rm -rf "$d/$g.decided" "$d/$g.status" "$d/$g.status.new" "$d/$g.log"
              echo "driftless-guard: disarmed"
            else
              report
            fi
            """;
}
