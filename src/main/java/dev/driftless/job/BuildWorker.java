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
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.reactive.messaging.Acknowledgment;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.Outgoing;
import org.jboss.logging.Logger;

/** Builds one batch of hosts' toplevels per request and signs their closures. */
@ApplicationScoped
public class BuildWorker {

    private static final Logger LOG = Logger.getLogger(BuildWorker.class);

    private final Nix nix;
    private final DriftlessMetrics metrics;
    private final Stopping stopping;

    BuildWorker(Nix nix, DriftlessMetrics metrics, Stopping stopping) {
        this.nix = nix;
        this.metrics = metrics;
        this.stopping = stopping;
    }

    /** A build cut short by a stop sends nothing and leaves its request unacknowledged ({@link Stopping#answer}). */
    @Incoming(Channels.BUILD_REQUESTS_IN)
    @Outgoing(Channels.BUILD_RESULTS_OUT)
    // Batches build independently, up to driftless.build.concurrency at once per process.
    @Blocking(value = "driftless-builds", ordered = false)
    @Acknowledgment(Acknowledgment.Strategy.MANUAL)
    public Message<BuildResult> build(Message<BuildRequest> request) {
        return stopping.answer(request, this::build);
    }

    /** The batch's build; null when the process began to stop before it ended. */
    BuildResult build(BuildRequest request) {
        long start = System.nanoTime();
        Map<String, String> drvPaths = request.drvPaths();
        LOG.infof("commit %.12s: building %d host(s) from %s", request.sha(), drvPaths.size(), request.firstHost());
        try {
            Map<String, String> outs = nix.build(drvPaths);
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            metrics.build("success", took);
            LOG.infof("commit %.12s: built %s in %d ms", request.sha(), outs.keySet(), took.toMillis());
            return new BuildResult.Built(request.sha(), drvPaths, outs);
        } catch (NixFailure | RuntimeException e) {
            if (stopping.stopped()) {
                LOG.infof("commit %.12s: build of %s stopped, as Driftless is stopping; another worker, or this one when it starts"
                        + " again, builds it",
                        request.sha(), String.join(", ", new java.util.TreeSet<>(drvPaths.keySet())));
                return null;
            }
            metrics.build("failure", Duration.ofNanos(System.nanoTime() - start));
            List<String> failed = e instanceof Nix.BuildFailed f ? f.hosts() : drvPaths.keySet().stream().sorted().toList();
            // The result travels to other processes and into the commit's record: no credentials in it.
            String why = Redaction.redact(String.valueOf(e.getMessage()));
            LOG.errorf("commit %.12s: %s does not build; every host stays on its last good generation. Fix the configuration and push again. %s",
                    request.sha(), String.join(", ", failed), why);
            return new BuildResult.Failed(request.sha(), drvPaths, failed, why);
        }
    }
}
