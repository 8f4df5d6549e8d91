package dev.driftless.host.transport;

import dev.driftless.config.DriftlessConfig;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.jboss.logging.Logger;

/**
 * Where this controller's ssh connections are shared: a {@link ControlDir} of its own, claimed at
 * start (ending what a controller that is gone left behind) and removed with its masters at stop.
 */
@ApplicationScoped
public class SshControl {

    private static final Logger LOG = Logger.getLogger(SshControl.class);

    private final Path base;
    private final boolean controls;
    private ControlDir dir;

    SshControl(DriftlessConfig config) {
        this.base = config.ssh().controlDir().map(dir -> configured(Path.of(dir).toAbsolutePath()))
                .orElseGet(() -> base(Path.of(config.dataDir(), "ssh", "control").toAbsolutePath()));
        this.controls = config.role().controls();
    }

    /**
     * A deep data dir would make socket paths longer than a Unix socket path may be; then a
     * directory under the system's temp dir, named after the preferred one so that each
     * installation keeps finding its own.
     */
    static Path base(Path preferred) {
        if (preferred.toString().length() <= ControlDir.maxBaseLength()) {
            return preferred;
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(preferred.toString().getBytes(StandardCharsets.UTF_8));
            return Path.of(System.getProperty("java.io.tmpdir"), "driftless-ssh-" + HexFormat.of().formatHex(digest, 0, 4));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A base the user chose is used as it is, or refused when ssh could not make sockets under it. */
    static Path configured(Path base) {
        if (base.toString().length() > ControlDir.maxBaseLength()) {
            throw new IllegalStateException("driftless.ssh.control-dir " + base + " is " + base.toString().length()
                    + " characters long; ssh's sockets under it would not fit a Unix socket path: choose one of at most "
                    + ControlDir.maxBaseLength() + " characters");
        }
        return base;
    }

    /** A controller cleans up after one that is gone as soon as it starts, not at its first SSH host. */
    void onStart(@Observes StartupEvent start) {
        if (controls) {
            dir();
        }
    }

    /** This controller's control socket directory, claimed on first use. */
    public synchronized Path dir() {
        if (dir == null) {
            dir = ControlDir.claim(base, new SshMasters());
            for (Path gone : dir.swept()) {
                LOG.infof("ended the ssh connections that a controller which is gone left in %s", gone);
            }
            LOG.debugf("ssh connections are shared through control sockets in %s", dir.path());
        }
        return dir.path();
    }

    @PreDestroy
    synchronized void stop() {
        if (dir != null) {
            dir.close();
            dir = null;
        }
    }
}
