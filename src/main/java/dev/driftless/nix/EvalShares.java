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
     * The hosts dealt out like cards to at most {@code processes} shares, none empty: neighbours
     * in name order (web1, web2, …), which often cost alike, land in different processes.
     */
    static List<List<String>> deal(List<String> names, int processes) {
        int n = Math.max(1, Math.min(processes, names.size()));
        List<List<String>> shares = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            shares.add(new ArrayList<>());
        }
        for (int i = 0; i < names.size(); i++) {
            shares.get(i % n).add(names.get(i));
        }
        return shares.stream().filter(s -> !s.isEmpty()).map(List::copyOf).toList();
    }

    /**
     * What each process evaluates, in order: its own share, then the other shares from their far
     * end, the next process's first. Two processes meet in the middle of the slower one's share.
     */
    static List<List<String>> orders(List<List<String>> shares) {
        List<List<String>> orders = new ArrayList<>();
        for (int i = 0; i < shares.size(); i++) {
            List<String> order = new ArrayList<>(shares.get(i));
            for (int j = 1; j < shares.size(); j++) {
                List<String> other = new ArrayList<>(shares.get((i + j) % shares.size()));
                java.util.Collections.reverse(other);
                order.addAll(other);
            }
            orders.add(List.copyOf(order));
        }
        return List.copyOf(orders);
    }

    /**
     * The {@code --apply} function that evaluates only {@code share}: its toplevels' drvPaths. Host
     * names are attribute names, and go in as quoted Nix strings.
     */
    static String apply(List<String> share) {
        String wanted = share.stream().map(EvalShares::nixString).collect(Collectors.joining(" "));
        // Forced in the share's order (printing would go by name), each traced as it is known (NixCli.FOUND).
        return "cs: let names = [ " + wanted + " ]; drvs = builtins.listToAttrs (map (n: { name = n; value = "
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
