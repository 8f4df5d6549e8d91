package dev.driftless.host.transport;

import dev.driftless.config.DriftlessConfig;
import dev.driftless.nix.NixSettings;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.file.Path;

/** Makes the transport a host's target names. */
@ApplicationScoped
public class Transports {

    private final NixSettings nix;
    private final DriftlessConfig config;

    private final SshOptions sshOptions;
    /** Every local host's deploy steps share this machine's cores. */
    private final LocalWork localWork = LocalWork.perCore();

    Transports(NixSettings nix, DriftlessConfig config, SshControl control) {
        this.nix = nix;
        this.config = config;
        Path data = Path.of(config.dataDir());
        this.sshOptions = new SshOptions(
                Path.of(config.ssh().knownHostsFile().orElse(data.resolve("ssh/known_hosts").toString())),
                config.ssh().privateKeyFile().map(Path::of).orElse(null), control.dir(), config.ssh().connectTimeout(),
                config.ssh().keepaliveInterval());
    }

    /** {@code sudo}: whether an SSH host's user changes the system through {@code sudo -n}. */
    public HostTransport forTarget(HostTarget target, boolean sudo) {
        if (target instanceof HostTarget.Local local) {
            return new LocalTransport(local.root(), nix.env(), nix.trustedKeys(), config.deploy().timeout(), localWork);
        }
        return new SshTransport((HostTarget.Ssh) target, sshOptions, nix.env(), config.deploy().timeout(), sudo);
    }
}
