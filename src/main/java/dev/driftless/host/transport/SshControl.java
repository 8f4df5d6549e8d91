package dev.driftless.host.transport;

import dev.driftless.config.DriftlessConfig;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
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
     * A deep data dir would make socket paths longer than a Unix socket path may be; then one
     * directory per user under the system's temp dir, as tmux does. Controllers of different
     * installations share it safely: each start keeps to a directory of its own, and a directory
     * is only ever swept once its controller is gone. One name per user also keeps every start
     * from leaving a directory of its own behind in /tmp.
     */
    static Path base(Path preferred) {
        if (preferred.toString().length() <= ControlDir.maxBaseLength()) {
            return preferred;
        }
        try {
            return Path.of(System.getProperty("java.io.tmpdir"), "driftless-ssh-" + ControlDir.currentUid());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot tell which user this process runs as", e);
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
