package dev.driftless.inventory;

import java.util.List;
import java.util.Map;

/**
 * The hosts a commit declares, as read from its flake and before anything is checked: the
 * {@code driftless} output, deploy-rs's {@code deploy.nodes} or a Colmena hive, whichever the
 * flake has first. Plain data, so that it travels from a worker to the controllers and is kept
 * with the commit; {@link Inventories} turns it into settings.
 *
 * @param source {@code driftless}, {@code deploy-rs}, {@code colmena}, or {@code none} when the flake declares no host
 * @param hosts each host's fields as the source spells them
 * @param defaults fields every host of the source inherits (deploy-rs's top-level settings, Colmena's {@code defaults})
 * @param extra keys beside {@code hosts} in the {@code driftless} output, which Driftless does not know
 * @param configurations the commit's {@code nixosConfigurations} names; null when not known
 */
public record DeclaredHosts(String source, Map<String, Map<String, Object>> hosts, Map<String, Object> defaults, List<String> extra,
        List<String> configurations) {

    public static final String DRIFTLESS = "driftless";
    public static final String DEPLOY_RS = "deploy-rs";
    public static final String COLMENA = "colmena";
    public static final String NONE = "none";

    public static final DeclaredHosts NOTHING = new DeclaredHosts(NONE, Map.of(), Map.of(), List.of(), null);

    public DeclaredHosts {
        source = source == null ? NONE : source;
        hosts = hosts == null ? Map.of() : hosts;
        defaults = defaults == null ? Map.of() : defaults;
        extra = extra == null ? List.of() : extra;
    }

    public DeclaredHosts withConfigurations(java.util.Collection<String> names) {
        return new DeclaredHosts(source, hosts, defaults, extra, List.copyOf(new java.util.TreeSet<>(names)));
    }
}
