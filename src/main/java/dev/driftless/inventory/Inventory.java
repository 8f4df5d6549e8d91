package dev.driftless.inventory;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The hosts under management and their settings at one commit. {@code source} says where the
 * hosts came from: a flake output ({@code driftless}, {@code deploy-rs}, {@code colmena}),
 * {@code nixosConfigurations} named through {@code driftless.hosts-default.target}, or
 * {@code configuration} alone.
 */
public record Inventory(String source, Map<String, HostSettings> hosts, List<String> notes) {

    public static final Inventory EMPTY = new Inventory("configuration", Map.of(), List.of());

    public Inventory {
        hosts = Map.copyOf(hosts);
        notes = List.copyOf(notes);
    }

    public Set<String> names() {
        return hosts.keySet();
    }

    public Optional<HostSettings> host(String name) {
        return Optional.ofNullable(hosts.get(name));
    }

    /** What a commit's inventory resolves to: the inventory, or why it cannot be used. */
    public record Resolution(Inventory inventory, List<String> errors) {

        public boolean ok() {
            return errors.isEmpty();
        }
    }
}
