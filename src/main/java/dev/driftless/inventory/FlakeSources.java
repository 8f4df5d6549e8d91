package dev.driftless.inventory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads the hosts that deploy-rs and Colmena fleets already declare, in Driftless's own terms
 * ({@code target}, {@code sudo}, {@code confirmTimeout}, {@code tags}), so that such a flake is
 * deployed as it is. Only connection settings are taken; anything that would weaken how hosts are
 * reached (ssh options beyond the port, for one) is left out with a note. Pure: no I/O.
 */
final class FlakeSources {

    private FlakeSources() {}

    /** A source's hosts in Driftless's fields, and where in the flake each was declared. */
    record Translated(Map<String, Map<String, Object>> hosts, Map<String, String> where) {}

    static Translated translate(DeclaredHosts declared, List<String> errors, List<String> notes) {
        Map<String, Map<String, Object>> hosts = new TreeMap<>();
        Map<String, String> where = new TreeMap<>();
        switch (declared.source()) {
            case DeclaredHosts.DRIFTLESS -> {
                declared.extra().forEach(key -> errors.add("driftless." + key + ": unknown key; the driftless output holds only hosts"));
                new TreeMap<>(declared.hosts()).forEach((name, fields) -> {
                    hosts.put(name, fields == null ? Map.of() : fields);
                    where.put(name, "driftless.hosts." + name);
                });
            }
            case DeclaredHosts.DEPLOY_RS -> new TreeMap<>(declared.hosts()).forEach((name, node) ->
                    deployRs(name, node, declared.defaults(), errors, notes).ifPresent(h -> {
                        hosts.put(name, h);
                        where.put(name, "deploy.nodes." + name);
                    }));
            case DeclaredHosts.COLMENA -> new TreeMap<>(declared.hosts()).forEach((name, deployment) ->
                    colmena(name, deployment, declared.defaults(), errors, notes).ifPresent(h -> {
                        hosts.put(name, h);
                        where.put(name, "colmena." + name + ".deployment");
                    }));
            default -> { }
        }
        return new Translated(hosts, where);
    }

    /**
     * A deploy-rs node: {@code hostname}, and {@code sshUser}, {@code user}, {@code sshOpts},
     * {@code confirmTimeout} from the system profile, the node or the top of {@code deploy}, the
     * first that sets them, as deploy-rs itself reads them. Deploying as a user other than the ssh
     * user is deploy-rs's sudo.
     */
    private static java.util.Optional<Map<String, Object>> deployRs(String name, Map<String, Object> node, Map<String, Object> top,
            List<String> errors, List<String> notes) {
        String at = "deploy.nodes." + name;
        Map<String, Object> profiles = map(node.get("profiles"));
        if (!profiles.containsKey("system")) {
            notes.add(at + ": no profiles.system, so not a NixOS system to deploy; skipped");
            return java.util.Optional.empty();
        }
        List<Map<String, Object>> levels = List.of(map(profiles.get("system")), node, top);
        Object hostname = node.get("hostname");
        if (!(hostname instanceof String h) || h.isBlank()) {
            errors.add(at + ".hostname: " + (hostname == null ? "missing" : "not a host name"));
            return java.util.Optional.empty();
        }
        Object sshUser = first(levels, "sshUser");
        Object user = first(levels, "user");
        if (sshUser != null && !(sshUser instanceof String)) {
            errors.add(at + ".sshUser: not a string");
            return java.util.Optional.empty();
        }
        Map<String, Object> out = new LinkedHashMap<>();
        Integer port = port(at + ".sshOpts", first(levels, "sshOpts"), errors, notes);
        out.put("target", "ssh://" + (sshUser == null ? "" : sshUser + "@") + bracketed(h) + (port == null ? "" : ":" + port));
        String via = sshUser == null ? "root" : (String) sshUser;
        if (user != null && !user.equals(via)) {
            if (!"root".equals(user)) {
                errors.add(at + ".profiles.system.user: the system profile is set by root, not by " + user);
                return java.util.Optional.empty();
            }
            out.put("sudo", true);
        }
        Object confirm = first(levels, "confirmTimeout");
        if (confirm != null) {
            out.put("confirmTimeout", confirm);
        }
        if (Boolean.FALSE.equals(first(levels, "magicRollback")) || Boolean.FALSE.equals(first(levels, "autoRollback"))) {
            notes.add(at + ": magicRollback/autoRollback = false is not followed: Driftless always rolls back a switch that loses the host");
        }
        return java.util.Optional.of(out);
    }

    /**
     * A Colmena node's {@code deployment}, over the hive's {@code defaults}: {@code targetHost}
     * (the node's name when unset), {@code targetUser} (root when unset), {@code targetPort},
     * {@code tags}. A user other than root deploys through sudo, as Colmena's privilege escalation does.
     */
    private static java.util.Optional<Map<String, Object>> colmena(String name, Map<String, Object> deployment, Map<String, Object> defaults,
            List<String> errors, List<String> notes) {
        String at = "colmena." + name + ".deployment";
        Map<String, Object> d = new LinkedHashMap<>(defaults);
        if (deployment != null) {
            d.putAll(deployment);
        }
        if (d.containsKey("targetHost") && d.get("targetHost") == null) {
            notes.add(at + ".targetHost is null (local deployment only); not managed");
            return java.util.Optional.empty();
        }
        Object host = d.getOrDefault("targetHost", name);
        Object user = d.containsKey("targetUser") ? d.get("targetUser") : "root";
        if (!(host instanceof String h) || h.isBlank()) {
            errors.add(at + ".targetHost: not a host name");
            return java.util.Optional.empty();
        }
        if (user != null && !(user instanceof String)) {
            errors.add(at + ".targetUser: not a string");
            return java.util.Optional.empty();
        }
        Object port = d.get("targetPort");
        if (port != null && !(port instanceof Number)) {
            errors.add(at + ".targetPort: not a number");
            return java.util.Optional.empty();
        }
        Integer optsPort = port(at + ".sshOptions", d.get("sshOptions"), errors, notes);
        Object chosen = port != null ? Integer.valueOf(((Number) port).intValue()) : optsPort;
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("target", "ssh://" + (user == null ? "" : user + "@") + bracketed(h) + (chosen == null ? "" : ":" + chosen));
        if (user != null && !"root".equals(user)) {
            out.put("sudo", true);
        }
        if (d.get("tags") != null) {
            out.put("tags", d.get("tags"));
        }
        if (Boolean.TRUE.equals(d.get("buildOnTarget"))) {
            notes.add(at + ".buildOnTarget is not followed: Driftless's workers build, and the host gets the signed closure");
        }
        return java.util.Optional.of(out);
    }

    /**
     * The port among ssh options ({@code -p 2222}, {@code -p2222}, {@code -o Port=2222}); every
     * other option is left out, since one could turn off host key checking or run a command.
     */
    static Integer port(String at, Object options, List<String> errors, List<String> notes) {
        if (options == null) {
            return null;
        }
        if (!(options instanceof List<?> list)) {
            errors.add(at + ": not a list of options");
            return null;
        }
        Integer port = null;
        List<String> ignored = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            String opt = String.valueOf(list.get(i));
            String value = null;
            if (opt.equals("-p") && i + 1 < list.size()) {
                value = String.valueOf(list.get(++i));
            } else if (opt.startsWith("-p") && opt.length() > 2) {
                value = opt.substring(2);
            } else if (opt.equals("-o") && i + 1 < list.size() && String.valueOf(list.get(i + 1)).matches("(?i)port[ =].*")) {
                value = String.valueOf(list.get(++i)).substring(5).strip();
            } else if (opt.matches("(?i)-oport[ =].*")) {
                value = opt.substring(7).strip();
            } else {
                ignored.add(opt);
                continue;
            }
            if (!value.matches("\\d{1,5}") || Integer.parseInt(value) < 1 || Integer.parseInt(value) > 65535) {
                errors.add(at + ": '" + value + "' is not a port");
                return null;
            }
            port = Integer.parseInt(value);
        }
        if (!ignored.isEmpty()) {
            notes.add(at + ": " + ignored.size() + " option(s) besides the port not passed to ssh; Driftless sets ssh's options"
                    + " itself (pinned host keys, its own key): set others in driftless.ssh.*");
        }
        return port;
    }

    private static Object first(List<Map<String, Object>> levels, String key) {
        for (Map<String, Object> level : levels) {
            if (level != null && level.get(key) != null) {
                return level.get(key);
            }
        }
        return null;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object value) {
        return value instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }

    private static String bracketed(String host) {
        return host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
    }
}
