package dev.driftless.host.transport;

import dev.driftless.config.DriftlessConfig;
import dev.driftless.nix.NixSettings;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/** Makes the transport a host's target names. */
@ApplicationScoped
public class Transports {

    private final NixSettings nix;
    private final DriftlessConfig config;

    private final SshOptions sshOptions;

    Transports(NixSettings nix, DriftlessConfig config) {
        this.nix = nix;
        this.config = config;
        Path data = Path.of(config.dataDir());
        Path controlDir = controlDir(data.resolve("ssh/control").toAbsolutePath());
        this.sshOptions = new SshOptions(
                Path.of(config.ssh().knownHostsFile().orElse(data.resolve("ssh/known_hosts").toString())),
                config.ssh().privateKeyFile().map(Path::of).orElse(null), controlDir, config.ssh().connectTimeout());
    }

    /**
     * Unix socket paths are limited to 107 bytes, and ssh adds a 40-byte %C hash plus a
     * 17-byte temporary suffix; a deep data dir would break multiplexing.
     */
    private static Path controlDir(Path preferred) {
        try {
            var owner = PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));
            if (preferred.toString().length() + 1 + 40 + 17 <= 104) {
                return Files.createDirectories(preferred, owner);
            }
            return Files.createTempDirectory("driftless-ssh-", owner);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a directory for ssh control sockets at " + preferred, e);
        }
    }

    public HostTransport forTarget(HostTarget target) {
        if (target instanceof HostTarget.Local local) {
            return new LocalTransport(local.root(), nix.env(), nix.trustedKeys(), config.deploy().timeout());
        }
        return new SshTransport((HostTarget.Ssh) target, sshOptions, nix.env(), config.deploy().timeout());
    }
}
