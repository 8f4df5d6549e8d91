package dev.driftless.host.transport;

import dev.driftless.config.DriftlessConfig;
import dev.driftless.nix.NixSettings;
import jakarta.enterprise.context.ApplicationScoped;

/** Makes the transport a host's target names. */
@ApplicationScoped
public class Transports {

    private final NixSettings nix;
    private final DriftlessConfig config;

    Transports(NixSettings nix, DriftlessConfig config) {
        this.nix = nix;
        this.config = config;
    }

    public HostTransport forTarget(HostTarget target) {
        if (target instanceof HostTarget.Local local) {
            return new LocalTransport(local.root(), nix.env(), nix.trustedKeys(), config.deploy().timeout());
        }
        throw new IllegalArgumentException("no transport for " + target);
    }
}
