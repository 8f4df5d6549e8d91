package dev.driftless.job;

import dev.driftless.event.Channels;
import dev.driftless.event.CommitObserved;
import dev.driftless.event.EvaluationResult;
import dev.driftless.metrics.DriftlessMetrics;
import dev.driftless.nix.Nix;
import dev.driftless.nix.NixFailure;
import dev.driftless.secret.Redaction;
import dev.driftless.source.GitFetchFailed;
import dev.driftless.source.GitMirror;
import io.smallrye.reactive.messaging.annotations.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.Map;
import org.eclipse.microprofile.reactive.messaging.Acknowledgment;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.Outgoing;
import org.jboss.logging.Logger;

/** Evaluates each observed commit into every host's toplevel drvPath. */
@ApplicationScoped
public class EvaluationWorker {

    private static final Logger LOG = Logger.getLogger(EvaluationWorker.class);

    private static final int FETCH_ATTEMPTS = 3;

    private final GitMirror mirror;
    private final DriftlessMetrics metrics;
    private final LockedSources sources;
    private final BuildAhead ahead;
    private final Stopping stopping;
    /** Every host's drvPath at the last commit evaluated here: what a host's new drvPath is compared with to build it ahead. */
    private volatile Map<String, String> lastDrvPaths = Map.of();

    EvaluationWorker(GitMirror mirror, DriftlessMetrics metrics, LockedSources sources, BuildAhead ahead, Stopping stopping) {
        this.mirror = mirror;
        this.metrics = metrics;
        this.sources = sources;
        this.ahead = ahead;
        this.stopping = stopping;
    }

    /** An evaluation cut short by a stop sends nothing and leaves the commit's message unacknowledged ({@link Stopping#answer}). */
    @Incoming(Channels.COMMITS_IN)
    @Outgoing(Channels.EVALUATIONS_OUT)
    @Acknowledgment(Acknowledgment.Strategy.MANUAL)
    @Blocking
    public Message<EvaluationResult> evaluate(Message<CommitObserved> commit) {
        return stopping.answer(commit, this::evaluate);
    }

    /** The commit's evaluation; null when the process began to stop before it ended. */
    EvaluationResult evaluate(CommitObserved commit) {
        long start = System.nanoTime();
        String sha = commit.sha();
        try {
            fetchIfMissing(sha);
            Nix.Evaluation evaluation;
            // The hosts the commit's files name are evaluated first, and each changed host is built the moment it is seen.
            try (BuildAhead.Session building = ahead.start(sha, lastDrvPaths)) {
                evaluation = sources.evaluate(sha, new Nix.Progress(FirstHosts.guess(mirror.changedPaths(sha, FirstHosts.MOST)), building));
            }
            lastDrvPaths = evaluation.drvPaths();
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            metrics.evaluation("success", took);
            LOG.infof("commit %.12s evaluated in %d ms: %d configurations; hosts declared by: %s", sha, took.toMillis(),
                    evaluation.drvPaths().size(), evaluation.declared().source());
            return new EvaluationResult.Evaluated(sha, evaluation.drvPaths(), evaluation.declared());
        } catch (GitFetchFailed | NixFailure | RuntimeException e) {
            if (stopping.stopped()) {
                LOG.infof("commit %.12s: evaluation stopped, as Driftless is stopping; another worker, or this one when it starts"
                        + " again, evaluates it", sha);
                return null;
            }
            metrics.evaluation("failure", Duration.ofNanos(System.nanoTime() - start));
            // The result travels to other processes and into the commit's record: no credentials in it.
            String why = Redaction.redact(String.valueOf(e.getMessage()));
            LOG.errorf("commit %.12s does not evaluate; every host stays on its last good generation. Fix the flake and push again. %s",
                    sha, why);
            return new EvaluationResult.Failed(sha, why);
        }
    }

    /** A worker in its own process has its own mirror, which may not have the commit yet. */
    private void fetchIfMissing(String sha) throws GitFetchFailed {
        for (int attempt = 1; !mirror.contains(sha); attempt++) {
            if (attempt > FETCH_ATTEMPTS) {
                throw new GitFetchFailed("commit " + sha + " is not on the followed branch of the repository", null);
            }
            try {
                mirror.fetch();
            } catch (GitFetchFailed e) {
                if (attempt == FETCH_ATTEMPTS) {
                    throw e;
                }
                LOG.warnf("commit %.12s: fetch attempt %d failed, retrying: %s", sha, attempt, e.getMessage());
                sleep(Duration.ofSeconds(1L << attempt));
            }
        }
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
