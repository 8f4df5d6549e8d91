package dev.driftless.job;

import dev.driftless.event.BuildRequest;
import dev.driftless.event.BuildResult;
import dev.driftless.event.Channels;
import dev.driftless.metrics.DriftlessMetrics;
import dev.driftless.nix.Nix;
import dev.driftless.nix.NixFailure;
import dev.driftless.secret.Redaction;
import io.smallrye.reactive.messaging.annotations.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Outgoing;
import org.jboss.logging.Logger;

/** Builds one host's toplevel per request and signs its closure. */
@ApplicationScoped
public class BuildWorker {

    private static final Logger LOG = Logger.getLogger(BuildWorker.class);

    private final Nix nix;
    private final DriftlessMetrics metrics;

    BuildWorker(Nix nix, DriftlessMetrics metrics) {
        this.nix = nix;
        this.metrics = metrics;
    }

    @Incoming(Channels.BUILD_REQUESTS_IN)
    @Outgoing(Channels.BUILD_RESULTS_OUT)
    // Hosts build independently, up to driftless.build.concurrency at once per process.
    @Blocking(value = "driftless-builds", ordered = false)
    public BuildResult build(BuildRequest request) {
        long start = System.nanoTime();
        LOG.infof("host %s commit %.12s: building %s", request.host(), request.sha(), request.drvPath());
        try {
            String out = nix.build(request.drvPath());
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            metrics.build("success", took);
            LOG.infof("host %s commit %.12s built in %d ms: %s", request.host(), request.sha(), took.toMillis(), out);
            return new BuildResult.Built(request.sha(), request.host(), request.drvPath(), out);
        } catch (NixFailure | RuntimeException e) {
            metrics.build("failure", Duration.ofNanos(System.nanoTime() - start));
            // The result travels to other processes and into the commit's record: no credentials in it.
            String why = Redaction.redact(String.valueOf(e.getMessage()));
            LOG.errorf("host %s commit %.12s does not build; every host stays on its last good generation. Fix the configuration and push again. %s",
                    request.host(), request.sha(), why);
            return new BuildResult.Failed(request.sha(), request.host(), request.drvPath(), why);
        }
    }
}
