package dev.driftless.nix;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/** How one commit's hosts are dealt out to evaluation processes, and what each process evaluates. */
final class EvalShares {

    private EvalShares() {}

    /** Below this, one process evaluates faster than several, which first list the hosts and then start each. */
    static final java.time.Duration WORTH_SPLITTING = java.time.Duration.ofMillis(500);

    /** What the last evaluation took: how many hosts, and how long. */
    record Last(int hosts, java.time.Duration took) {}

    /**
     * How many processes evaluate the next commit: the configured number, or with 0 one per core
     * (at most one a host) once the last evaluation showed the fleet is slow to evaluate, else one.
     */
    static int processes(int configured, int cores, Last last) {
        if (configured > 0) {
            return configured;
        }
        if (last == null || last.hosts() < 2 || last.took().compareTo(WORTH_SPLITTING) < 0) {
            return 1;
        }
        return Math.max(1, Math.min(cores, last.hosts()));
    }

    /**
     * What each of at most {@code processes} processes evaluates, in order, from {@code all} (the
     * hosts asked for first, then the rest by name): its own share, dealt out like cards so that
     * neighbours in name order (web1, web2, …), which often cost alike, land in different
     * processes; then every other host from the far end of {@code all}, where the others' shares
     * end. Two processes meet in the middle of the slower one's share. {@link #apply} computes the
     * same order inside nix.
     */
    static List<List<String>> orders(List<String> all, int processes) {
        int n = Math.max(1, Math.min(processes, all.size()));
        List<List<String>> orders = new ArrayList<>();
        for (int i = 0; i < n && i < all.size(); i++) {
            List<String> order = new ArrayList<>();
            for (int p = i; p < all.size(); p += n) {
                order.add(all.get(p));
            }
            for (int p = all.size() - 1; p >= 0; p--) {
                if (p % n != i) {
                    order.add(all.get(p));
                }
            }
            orders.add(List.copyOf(order));
        }
        return List.copyOf(orders);
    }

    /**
     * The {@code --apply} function of process {@code index} of {@code processes}: every host's
     * toplevel drvPath, forced and traced in the order of {@link #orders}, which it computes from
     * the configurations' names and {@code first} (quoted Nix strings), so that the command line
     * stays short however large the fleet (Linux allows 128 KiB in one argument).
     */
    static String apply(int index, int processes, List<String> first) {
        String asked = first.stream().distinct().map(EvalShares::nixString).collect(Collectors.joining(" "));
        // Forced in this order (printing would go by name), each traced as it is known (NixCli.FOUND).
        return "cs: let k = " + processes + "; i = " + index + "; first = builtins.filter (n: cs ? ${n}) [ " + asked + " ];"
                + " isFirst = builtins.listToAttrs (map (n: { name = n; value = true; }) first);"
                + " all = first ++ builtins.filter (n: !(isFirst ? ${n})) (builtins.attrNames cs); count = builtins.length all;"
                + " mine = p: p - (p / k) * k == i;"
                + " own = builtins.genList (j: builtins.elemAt all (i + j * k)) ((count - i + k - 1) / k);"
                + " rest = builtins.filter (n: n != null) (builtins.genList (j: let p = count - 1 - j; in if mine p then null else builtins.elemAt all p) count);"
                + " names = own ++ rest;"
                + " drvs = builtins.listToAttrs (map (n: { name = n; value = "
                + "let d = cs.${n}.config.system.build.toplevel.drvPath; in builtins.trace \"driftless-drv ${n} ${d}\" d; }) names); "
                + "in builtins.foldl' (acc: n: builtins.seq drvs.${n} acc) drvs names";
    }

    /** The names, those in {@code first} ahead of the rest (in its order), the rest by name. */
    static List<String> firstThenByName(java.util.Collection<String> names, List<String> first) {
        java.util.LinkedHashSet<String> ordered = new java.util.LinkedHashSet<>();
        first.stream().filter(names::contains).forEach(ordered::add);
        ordered.addAll(new java.util.TreeSet<>(names));
        return List.copyOf(ordered);
    }

    static String nixString(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("${", "\\${") + "\"";
    }

    static String abbreviate(List<String> share) {
        return share.size() <= 5 ? String.join(", ", share) : String.join(", ", share.subList(0, 5)) + ", … (" + share.size() + ")";
    }
}
