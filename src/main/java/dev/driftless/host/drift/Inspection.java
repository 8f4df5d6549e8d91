package dev.driftless.host.drift;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The deep checks as one host-side script and a pure reading of what it prints. The script runs
 * in one call over the host's existing session (or locally for a directory host), forks a handful
 * of processes whatever the size of /etc, and prints sections that {@link #findings} reads:
 * <ul>
 * <li>{@code #etc}: every file of the generation's /etc/static, and what /etc holds at its
 * name, as NixOS's setup-etc leaves it: a link to {@code /etc/static/<name>}; files NixOS copies
 * (those with a {@code .mode}) are listed apart and not compared;</li>
 * <li>{@code #units}: the state of every unit the generation links from multi-user.target.wants,
 * as {@code systemctl show} gives it.</li>
 * </ul>
 */
public final class Inspection {

    private Inspection() {}

    /** The script for a host whose file system starts at {@code root} ("" for a machine: SSH hosts, {@code local:/}), every check. */
    public static String script(String root) {
        return script(root, java.util.EnumSet.allOf(DriftCheck.class));
    }

    /**
     * The script for the checks in {@code checks} ({@code reboot} needs none: the observation
     * answers it); a check left out prints no section, and {@link #findings} gives no finding for it.
     */
    public static String script(String root, Set<DriftCheck> checks) {
        String r = root.equals("/") ? "" : root;
        StringBuilder s = new StringBuilder("(R='" + r.replace("'", "'\\''") + "'\nexport LC_ALL=C\n");
        if (checks.contains(DriftCheck.ETC)) {
            s.append("echo '#etc'\n"
                    // A machine: one find, and the shell's own tests per file (no process per file): a file is
                    // as setup-etc left it when it is a link that resolves to its /etc/static twin. Only a
                    // file that is not gets a line, in the same shape as the general branch's.
                    + "if [ -z \"$R\" ] && [ -d /etc/static/ ]; then\n"
                    + "  find /etc/static/ -mindepth 1 \\( -name '*.mode' -printf 'copied %P\\n' \\) -o \\( ! -type d ! -name '*.mode' ! -name '*.uid'"
                    + " ! -name '*.gid' -printf '%P\\n' \\) 2>/dev/null | while IFS= read -r n; do\n"
                    + "    case $n in 'copied '*) echo \"$n\"; continue;; esac\n"
                    + "    e=/etc/$n\n"
                    + "    if [ -L \"$e\" ] && [ \"$e\" -ef \"/etc/static/$n\" ]; then :\n"
                    + "    elif [ -L \"$e\" ]; then echo \"./$n|l|$(readlink \"$e\")\"\n"
                    + "    elif [ -d \"$e\" ]; then echo \"./$n|d|\"\n"
                    + "    elif [ -e \"$e\" ]; then echo \"./$n|f|\"\n"
                    + "    else echo \"find: './$n': No such file or directory\"; fi\n"
                    + "  done\n"
                    // A directory host: its links name /etc/static absolutely, which here is the controller's: compare their text.
                    + "elif [ -d \"$R/etc/static/\" ]; then\n"
                    + "  find \"$R/etc/static/\" -mindepth 1 -name '*.mode' -printf 'copied %P\\n' 2>/dev/null\n"
                    + "  cd \"$R/etc\" && find \"$R/etc/static/\" -mindepth 1 ! -type d ! -name '*.mode' ! -name '*.uid' ! -name '*.gid'"
                    + " -printf './%P\\n' 2>/dev/null | xargs -r -d '\\n' sh -c 'exec find \"$@\" -maxdepth 0 -printf \"%p|%y|%l\\n\"' find 2>&1\n"
                    + "  cd /\n"
                    + "else echo none; fi\n");
        }
        if (checks.contains(DriftCheck.UNITS)) {
            s.append("echo '#units'\n"
                    + "if [ -z \"$R\" ] && [ -d /run/systemd/system ] && command -v systemctl >/dev/null; then\n"
                    + "  w=; for u in /run/current-system/etc/systemd/system/multi-user.target.wants/*; do [ -e \"$u\" ] && w=\"$w ${u##*/}\"; done\n"
                    + "  [ -z \"$w\" ] || systemctl show -p Id -p LoadState -p ActiveState -p Type -p RemainAfterExit -p Result -- $w\n"
                    + "else echo none; fi\n");
        }
        if (checks.contains(DriftCheck.STORE)) {
            // Reads every file of the closure: the caller runs it on a slower interval than the rest.
            s.append("echo '#store'\n"
                    + "if [ -z \"$R\" ] && command -v nix-store >/dev/null; then\n"
                    + "  if c=$(nix-store -qR /run/current-system 2>&1); then echo \"$c\" | xargs -r nix-store --verify-path 2>&1; echo \"exit $?\";"
                    + " else echo \"$c\" | head -n 3; fi\n"
                    + "else echo none; fi\n");
        }
        if (checks.contains(DriftCheck.PROFILES)) {
            // What nix-env -i or nix profile install put into the profiles every login of root or anyone sees.
            s.append("echo '#profiles'\n"
                    + "if [ -z \"$R\" ]; then\n"
                    + "  for p in /nix/var/nix/profiles/default /nix/var/nix/profiles/per-user/root/profile /root/.nix-profile; do\n"
                    + "    [ -e \"$p\" ] || continue\n" // a test, not a process: most hosts have none of them
                    + "    t=$(readlink -f \"$p\" 2>/dev/null) && [ -d \"$t\" ] || continue\n"
                    + "    echo \"profile $p $t\"\n"
                    + "    cat \"$t/manifest.nix\" \"$t/manifest.json\" 2>/dev/null | grep -o '/nix/store/[a-z0-9]\\{32\\}-[^\"/ ]*' | sort -u | sed 's|^|pkg |'\n"
                    + "  done\n"
                    + "else echo none; fi\n");
        }
        return s.append("echo '#end')\n").toString();
    }

    /** Each check's finding from what {@link #script} printed; a section that is missing is unknown. */
    public static List<Finding> findings(String out) {
        return findings(out, java.util.EnumSet.of(DriftCheck.ETC, DriftCheck.UNITS));
    }

    /** The findings of {@code asked}, the checks the script was made for: one that did not answer is unknown. */
    public static List<Finding> findings(String out, Set<DriftCheck> asked) {
        Map<String, List<String>> sections = sections(out);
        List<Finding> all = new ArrayList<>();
        if (asked.contains(DriftCheck.ETC)) {
            all.add(etc(sections.get("etc")));
        }
        if (asked.contains(DriftCheck.UNITS)) {
            all.add(units(sections.get("units")));
        }
        if (asked.contains(DriftCheck.STORE)) {
            all.add(store(sections.get("store")));
        }
        if (asked.contains(DriftCheck.PROFILES)) {
            all.add(profiles(sections.get("profiles")));
        }
        return all;
    }

    private static Map<String, List<String>> sections(String out) {
        Map<String, List<String>> sections = new LinkedHashMap<>();
        List<String> current = null;
        for (String line : out.split("\n")) {
            if (line.startsWith("#")) {
                current = new ArrayList<>();
                sections.put(line.substring(1).strip(), current);
            } else if (current != null && !line.isEmpty()) {
                current.add(line);
            }
        }
        return sections;
    }

    static Finding etc(List<String> lines) {
        if (lines == null) {
            return Finding.unknown(DriftCheck.ETC, "the host did not answer the check");
        }
        if (lines.equals(List.of("none"))) {
            return Finding.unknown(DriftCheck.ETC, "no /etc/static: not a NixOS /etc");
        }
        Set<String> copied = new TreeSet<>();
        List<String> evidence = new ArrayList<>();
        for (String line : lines) {
            if (line.startsWith("copied ")) {
                copied.add(line.substring("copied ".length()).replaceFirst("\\.mode$", ""));
            }
        }
        for (String line : lines) {
            if (line.startsWith("copied ")) {
                continue;
            }
            if (line.startsWith("find: ")) {
                int open = line.indexOf("'./");
                int close = open < 0 ? -1 : line.indexOf('\'', open + 3);
                if (open >= 0 && close > open && line.contains("No such file")) {
                    evidence.add("/etc/" + line.substring(open + 3, close) + " is missing");
                    continue;
                }
            }
            String[] f = line.split("\\|", 3);
            if (f.length < 3 || !f[0].startsWith("./")) {
                // Never read an answer the check did not mean to give as clean.
                return Finding.unknown(DriftCheck.ETC, "the check could not run: " + line);
            }
            String name = f[0].substring(2);
            if (copied.contains(name)) {
                continue;
            }
            if (!f[1].equals("l")) {
                evidence.add("/etc/" + name + (f[1].equals("d") ? " is a directory" : " was replaced by a regular file"));
            } else if (!f[2].equals("/etc/static/" + name)) {
                evidence.add("/etc/" + name + " points to " + f[2] + ", not into the generation");
            }
        }
        return evidence.isEmpty() ? Finding.clean(DriftCheck.ETC) : Finding.drift(DriftCheck.ETC, evidence);
    }

    static Finding units(List<String> lines) {
        if (lines == null) {
            return Finding.unknown(DriftCheck.UNITS, "the host did not answer the check");
        }
        if (lines.equals(List.of("none"))) {
            return Finding.unknown(DriftCheck.UNITS, "no systemd to ask");
        }
        List<String> evidence = new ArrayList<>();
        Map<String, String> unit = new HashMap<>();
        for (String line : lines) {
            int eq = line.indexOf('=');
            if (eq < 0) {
                return Finding.unknown(DriftCheck.UNITS, "systemctl did not answer as expected: " + line);
            }
            String key = line.substring(0, eq);
            if (key.equals("Id") && !unit.isEmpty()) {
                judge(unit, evidence);
                unit = new HashMap<>();
            }
            unit.put(key, line.substring(eq + 1));
        }
        if (!unit.isEmpty()) {
            judge(unit, evidence);
        }
        return evidence.isEmpty() ? Finding.clean(DriftCheck.UNITS) : Finding.drift(DriftCheck.UNITS, evidence);
    }

    static Finding store(List<String> lines) {
        if (lines == null) {
            return Finding.unknown(DriftCheck.STORE, "the host did not answer the check");
        }
        if (lines.equals(List.of("none"))) {
            return Finding.unknown(DriftCheck.STORE, "no nix-store on the host to verify with");
        }
        List<String> evidence = new ArrayList<>();
        String exit = null;
        for (String line : lines) {
            java.util.regex.Matcher m = MODIFIED.matcher(line);
            if (m.find()) {
                evidence.add(m.group(1) + " was modified (its contents no longer match the hash the store recorded)");
            } else if (line.startsWith("exit ") && exit == null) {
                exit = line.substring(5).strip();
            } else {
                return Finding.unknown(DriftCheck.STORE, "nix-store did not answer as expected: " + line);
            }
        }
        if (exit == null || (!evidence.isEmpty() ? exit.equals("0") : !exit.equals("0"))) {
            return Finding.unknown(DriftCheck.STORE, "nix-store --verify-path ended with " + exit + " and " + evidence.size() + " modified paths");
        }
        return evidence.isEmpty() ? Finding.clean(DriftCheck.STORE) : Finding.drift(DriftCheck.STORE, evidence);
    }

    private static final java.util.regex.Pattern MODIFIED = java.util.regex.Pattern.compile("^path '(/nix/store/[^']+)' was modified!");

    static Finding profiles(List<String> lines) {
        if (lines == null) {
            return Finding.unknown(DriftCheck.PROFILES, "the host did not answer the check");
        }
        if (lines.equals(List.of("none"))) {
            return Finding.unknown(DriftCheck.PROFILES, "a directory host has no profiles of its own");
        }
        Map<String, List<String>> byProfile = new LinkedHashMap<>();
        Set<String> seen = new java.util.HashSet<>();
        List<String> current = null;
        for (String line : lines) {
            if (line.startsWith("profile ")) {
                String[] f = line.split(" ", 3);
                // root's ~/.nix-profile is usually per-user/root/profile again: list each profile once.
                current = f.length == 3 && seen.add(f[2]) ? byProfile.computeIfAbsent(f[1], k -> new ArrayList<>()) : null;
            } else if (line.startsWith("pkg /nix/store/")) {
                if (current != null) {
                    current.add(line.substring("pkg /nix/store/".length() + 33));
                }
            } else {
                return Finding.unknown(DriftCheck.PROFILES, "the check could not run: " + line);
            }
        }
        List<String> evidence = new ArrayList<>();
        byProfile.forEach((profile, pkgs) -> {
            if (!pkgs.isEmpty()) {
                evidence.add(profile + " holds " + String.join(", ", pkgs));
            }
        });
        return evidence.isEmpty() ? Finding.clean(DriftCheck.PROFILES) : Finding.drift(DriftCheck.PROFILES, evidence);
    }

    /**
     * A wanted unit has drifted when it failed, is not loaded, or is inactive without being a
     * oneshot that ran to success (those are inactive once done, as NixOS's many setup units are).
     */
    private static void judge(Map<String, String> u, List<String> evidence) {
        String id = u.getOrDefault("Id", "?");
        String active = u.getOrDefault("ActiveState", "");
        String result = u.getOrDefault("Result", "");
        if ("not-found".equals(u.get("LoadState"))) {
            evidence.add(id + " is not loaded");
        } else if (active.equals("failed")) {
            evidence.add(id + " failed (" + result + ")");
        } else if (active.equals("inactive")) {
            boolean ranOnce = "oneshot".equals(u.get("Type")) && "no".equals(u.get("RemainAfterExit")) && "success".equals(result);
            if (!ranOnce) {
                evidence.add(id + " is inactive");
            }
        }
    }
}
