package dev.driftless.host.transport;

import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The switch of a generation on a host with systemd, run as {@code nixos-rebuild} runs it: in a
 * transient unit ({@code systemd-run --wait}), so that it carries on when the SSH session that
 * started it is lost. Each switch has a name of its own, derived from the deployment attempt; the
 * unit leaves its exit status under {@code /run/driftless/switches}, so a controller that comes
 * back finds the switch running or its result, and never starts the same switch a second time.
 *
 * <p>Builds the shell programs run on the host and reads their last line; no I/O of its own.
 * Hosts without systemd get today's direct call under the deploy lock.
 */
public final class SwitchUnit {

    /** Where units leave their results: on the host's /run, so a reboot forgets them with the switch. */
    static final String DIR = "/run/driftless/switches";
    private static final String PREFIX = "driftless-switch-";
    private static final Pattern RUN_ID = Pattern.compile("[a-z0-9][a-z0-9-]{0,63}");
    private static final String MARK = "driftless-switch: ";
    private static final int OUTPUT_LINES = 40;

    /** What the host says about one switch. */
    public enum State {
        /** No switch of this name ran (or the host rebooted since). */
        NONE,
        RUNNING,
        EXITED,
        /** Another deploy step held the lock, so this switch did not start. */
        BUSY,
        /** The unit could not be started (sudo refused, systemd-run failed); nothing changed. */
        NOT_STARTED,
        /** The unit ended without leaving a status: stopped or killed on the host. */
        VANISHED
    }

    /**
     * {@code newlyFailed}: units failed now that were not failed when the switch started;
     * {@code named}: the units the switch itself said failed (NixOS's "the following units
     * failed"); {@code failedBefore}: units that were failed when it started.
     */
    public record Outcome(State state, int exitCode, List<String> newlyFailed, List<String> named, List<String> failedBefore,
            String output, boolean inUnit) {

        public Outcome(State state, int exitCode, List<String> newlyFailed, String output) {
            this(state, exitCode, newlyFailed, List.of(), List.of(), output, true);
        }

        /**
         * Exit 0 with no unit newly failed; or exit 4 (units failed) where every unit the switch
         * named had been failed before it: NixOS's switch resets failed units and reports any that
         * fail again, so a host with a unit that keeps failing would otherwise refuse every
         * generation, good ones included.
         */
        public boolean succeeded() {
            if (state != State.EXITED || !newlyFailed.isEmpty()) {
                return false;
            }
            return exitCode == 0 || onlyFailedBeforeFailedAgain();
        }

        public boolean onlyFailedBeforeFailedAgain() {
            return exitCode == UNITS_FAILED && inUnit && !named.isEmpty() && failedBefore.containsAll(named);
        }
    }

    /** NixOS's switch-to-configuration exits with this when a unit failed to start. */
    static final int UNITS_FAILED = 4;

    private SwitchUnit() {}

    /** The unit's name for a run: {@code runId} is [a-z0-9-], chosen by Driftless, never by the fleet. */
    public static String unit(String runId) {
        if (!RUN_ID.matcher(runId).matches()) {
            throw new IllegalArgumentException("not a switch run id: " + runId);
        }
        return PREFIX + runId;
    }

    /**
     * The arguments of {@code sh -c PROGRAM sh ARGS...} that switch to {@code path} with
     * {@code goal}, or wait for and report the switch of that name an earlier session started.
     * {@code lock}: the deploy lock, taken inside the unit so it is held exactly while the switch runs.
     */
    public static List<String> start(String runId, String path, String goal, boolean sudo, String lock) {
        return List.of("sh", "-c", REPORT + START, "driftless-switch", unit(runId), path, goal, sudo ? "yes" : "no", lock, UNIT);
    }

    /** The arguments of {@code sh -c PROGRAM ...} that only report what the host knows of that switch. */
    public static List<String> query(String runId) {
        return List.of("sh", "-c", REPORT + QUERY, "driftless-switch", unit(runId));
    }

    /** Reads the report: the last marker line, and the switch's output before it. */
    public static Outcome parse(String stdout) {
        List<String> lines = Arrays.asList(stdout.split("\n", -1));
        int at = -1;
        for (int i = lines.size() - 1; i >= 0; i--) {
            if (lines.get(i).startsWith(MARK)) {
                at = i;
                break;
            }
        }
        if (at < 0) {
            return new Outcome(State.NOT_STARTED, -1, List.of(), stdout.strip());
        }
        String output = String.join("\n", lines.subList(0, at)).strip();
        String[] parts = lines.get(at).substring(MARK.length()).split(" \\| ");
        String[] words = parts[0].strip().split("\\s+");
        int code = words.length > 1 && words[1].matches("-?\\d{1,4}") ? Integer.parseInt(words[1]) : -1;
        List<String> fresh = units(parts, "new:");
        List<String> named = units(parts, "named:");
        List<String> before = units(parts, "before:");
        return switch (words[0]) {
            case "running" -> new Outcome(State.RUNNING, -1, List.of(), output);
            case "exited" -> new Outcome(code < 0 ? State.VANISHED : State.EXITED, code, fresh, named, before, output, true);
            case "ran-directly" -> new Outcome(code < 0 ? State.VANISHED : State.EXITED, code, List.of(), List.of(), List.of(), output, false);
            case "busy" -> new Outcome(State.BUSY, -1, List.of(), output);
            case "vanished" -> new Outcome(State.VANISHED, -1, List.of(), output);
            case "none" -> new Outcome(State.NONE, -1, List.of(), output);
            default -> new Outcome(State.NOT_STARTED, code, List.of(), output);
        };
    }

    private static List<String> units(String[] parts, String label) {
        for (String part : parts) {
            String p = part.strip();
            if (p.startsWith(label)) {
                String rest = p.substring(label.length()).replace(",", " ").strip();
                return rest.isEmpty() ? List.of() : List.of(rest.split("\\s+"));
            }
        }
        return List.of();
    }

    /**
     * Why a switch that ended did not succeed, in words an operator can act on: the exit status
     * with its NixOS meaning, the units that failed, and the end of the switch's output.
     */
    public static String explain(String runId, String goal, Outcome o) {
        String unit = unit(runId);
        StringBuilder why = new StringBuilder();
        switch (o.state()) {
            case EXITED -> {
                if (o.exitCode() != 0) {
                    why.append("switch-to-configuration ").append(goal).append(" exited with ").append(o.exitCode());
                    List<String> culprits = o.named().stream().filter(u -> !o.failedBefore().contains(u)).toList();
                    if (o.exitCode() == UNITS_FAILED) {
                        why.append(culprits.isEmpty() ? " (units failed to start)" : " (units failed to start: " + String.join(", ", culprits) + ")");
                    }
                }
                if (!o.newlyFailed().isEmpty()) {
                    why.append(why.isEmpty() ? "" : "; ").append("failed since the switch: ").append(String.join(", ", o.newlyFailed()));
                }
            }
            case VANISHED -> why.append("the switch unit ").append(unit).append(" ended without an exit status (stopped or killed on the host)");
            case NOT_STARTED -> why.append(notStarted(o.output()));
            default -> why.append("the switch unit ").append(unit).append(" is ").append(o.state().name().toLowerCase());
        }
        if (!o.output().isBlank() && o.state() != State.NOT_STARTED) {
            why.append(": ").append(lastLines(o.output()));
        }
        if (o.inUnit()) {
            why.append(" (journalctl -u ").append(unit).append(")");
        }
        return why.toString();
    }

    private static String notStarted(String output) {
        String text = output.isBlank() ? "no output" : lastLines(output);
        if (output.contains("sudo:")) {
            return "sudo refused to start the switch (" + text + "); the user needs the sudoers lines for Driftless (README, Non-root deploys)";
        }
        return "the switch could not be started: " + text;
    }

    private static String lastLines(String text) {
        String[] lines = text.strip().split("\n");
        return String.join("\n", Arrays.asList(lines).subList(Math.max(0, lines.length - 12), lines.length)).strip();
    }

    /** Prints the unit's output, then the marker with the status and the units failed since it started. */
    private static final String REPORT = """
            d=%s
            report() {
              [ -f "$d/$u.log" ] && tail -n %d "$d/$u.log"
              new=
              if [ -f "$d/$u.failed-before" ]; then
                new=$(systemctl list-units --state=failed --plain --no-legend --no-pager 2>/dev/null | awk '{print $1}' \\
                  | LC_ALL=C sort | LC_ALL=C comm -13 "$d/$u.failed-before" - | tr '\\n' ' ')
              fi
              named=
              [ -f "$d/$u.log" ] && named=$(sed -n 's/^warning: the following units failed: //p' "$d/$u.log" | tail -n 1)
              before=
              [ -f "$d/$u.failed-before" ] && before=$(tr '\n' ' ' < "$d/$u.failed-before")
              echo "driftless-switch: $1 | new: $new | named: $named | before: $before"
            }
            active() {
              case "$(systemctl show -p ActiveState --value "$u.service" 2>/dev/null)" in
                active|activating|deactivating|reloading) return 0 ;;
              esac
              return 1
            }
            """.formatted(DIR, OUTPUT_LINES);

    private static final String QUERY = """
            u=$1
            if [ -d /run/systemd/system ] && active; then echo "driftless-switch: running"
            elif [ -f "$d/$u.status" ]; then report "exited $(cat "$d/$u.status")"
            else echo "driftless-switch: none"
            fi
            """;

    /**
     * Runs on the host as the SSH user. The switch's output goes to a file, not to this session:
     * a switch writing to the pipe of a session that is gone would die of SIGPIPE half-way.
     */
    private static final String START = """
            u=$1 path=$2 goal=$3 lock=$5 unitprog=$6
            s=; [ "$4" = yes ] && s="sudo -n"
            if [ ! -d /run/systemd/system ] || ! command -v systemd-run >/dev/null 2>&1; then
              [ -e "$lock" ] || mkdir -p "$lock" 2>/dev/null
              $s flock -E 75 -w 5 "$lock" "$path/bin/switch-to-configuration" "$goal" 2>&1
              rc=$?
              if [ $rc = 75 ]; then echo "driftless-switch: busy"; else echo "driftless-switch: ran-directly $rc"; fi
              exit 0
            fi
            if [ -f "$d/$u.status" ]; then report "exited $(cat "$d/$u.status")"; exit 0; fi
            if active; then
              while active; do sleep 1; done
            else
              if [ "$(systemctl show -p ActiveState --value "$u.service" 2>/dev/null)" = failed ]; then
                $s systemctl reset-failed "$u.service" 2>/dev/null
              fi
              out=$($s systemd-run --unit="$u" --description="Driftless: switch-to-configuration $goal" --collect --no-ask-password \\
                --quiet --service-type=exec --wait ${LOCALE_ARCHIVE:+--setenv=LOCALE_ARCHIVE=$LOCALE_ARCHIVE} \\
                --setenv=NIXOS_INSTALL_BOOTLOADER=0 -- /bin/sh -c "$unitprog" driftless-switch "$d" "$u" "$path" "$goal" "$lock" 2>&1)
              rc=$?
              if [ ! -f "$d/$u.status" ]; then
                if [ -f "$d/$u.busy" ]; then echo "driftless-switch: busy"; exit 0; fi
                printf '%s\\n' "$out"
                echo "driftless-switch: not-started $rc"
                exit 0
              fi
            fi
            if [ -f "$d/$u.status" ]; then report "exited $(cat "$d/$u.status")"; else report vanished; fi
            """;

    /**
     * Runs as root inside the transient unit: notes which units were failed before, takes the
     * deploy lock, switches, and leaves the exit status where a later session finds it.
     */
    private static final String UNIT = """
            d=$1 u=$2 path=$3 goal=$4 lock=$5
            umask 022
            mkdir -p "$d" || exit 70
            find "$d" -type f -mmin +1440 -delete 2>/dev/null
            rm -f "$d/$u.busy"
            # Twice, 0.2 s apart: a job that keeps failing (a timer's) is briefly "activating" each run,
            # and one look could miss that it was failed before the switch.
            { systemctl list-units --state=failed --plain --no-legend --no-pager; sleep 0.2
              systemctl list-units --state=failed --plain --no-legend --no-pager; } | awk '{print $1}' | LC_ALL=C sort -u > "$d/$u.failed-before"
            [ -e "$lock" ] || mkdir -p "$lock"
            flock -E 75 -w 5 "$lock" "$path/bin/switch-to-configuration" "$goal" > "$d/$u.log" 2>&1 < /dev/null
            rc=$?
            if [ $rc = 75 ]; then rm -f "$d/$u.failed-before" "$d/$u.log"; : > "$d/$u.busy"; exit 75; fi
            echo $rc > "$d/$u.status.new" && mv "$d/$u.status.new" "$d/$u.status"
            exit $rc
            """;
}
