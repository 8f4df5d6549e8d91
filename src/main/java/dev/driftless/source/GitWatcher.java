package dev.driftless.source;

import dev.driftless.config.DriftlessConfig;
import dev.driftless.event.Channels;
import dev.driftless.event.CommitObserved;
import dev.driftless.event.HostEvent;
import dev.driftless.fleet.CommitRecord;
import dev.driftless.fleet.FleetStore;
import dev.driftless.fleet.HostEvents;
import dev.driftless.fleet.Duties;
import dev.driftless.metrics.DriftlessMetrics;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.jboss.logging.Logger;

/**
 * Polls the fleet repository and emits {@link CommitObserved} when the branch head is a commit
 * whose rollout has not finished. A commit already handled before a restart is not emitted
 * again; one cut short by a restart is. When several controllers share a fleet, only the one
 * that leads rollouts follows Git.
 */
@ApplicationScoped
public class GitWatcher {

    private static final Logger LOG = Logger.getLogger(GitWatcher.class);

    private final GitMirror mirror;
    private final FleetStore store;
    private final DriftlessMetrics metrics;
    private final Emitter<CommitObserved> commits;
    private final String branch;
    private final boolean allowForcePush;
    private final HostEvents events;
    private final CommitVerifier verifier;
    private final Duties duties;
    private volatile boolean fetched;
    private volatile String lastEmitted;
    private volatile String lastError;

    GitWatcher(GitMirror mirror, FleetStore store, DriftlessMetrics metrics, DriftlessConfig config, HostEvents events, CommitVerifier verifier,
            Duties duties, @Channel(Channels.COMMITS_OUT) Emitter<CommitObserved> commits) {
        this.duties = duties;
        this.mirror = mirror;
        this.store = store;
        this.metrics = metrics;
        this.commits = commits;
        this.branch = config.git().branch();
        this.allowForcePush = config.git().allowForcePush();
        this.events = events;
        this.verifier = verifier;
    }

    /** The first fetch, as soon as messaging is wired; the scheduler skips polls until the application runs. */
    void onStart(@Observes StartupEvent start) {
        if (duties.leads()) {
            Thread first = new Thread(this::fetchNow, "git-first-fetch");
            first.setDaemon(true);
            first.start();
        }
    }

    // The first poll comes one interval after the first fetch, and never before the application
    // runs: the emitter is wired only once messaging has started.
    @Scheduled(every = "${driftless.git.poll-interval:15s}", delayed = "${driftless.git.poll-interval:15s}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void poll() {
        if (leads()) { // workers fetch when a commit they are asked to evaluate is missing
            fetchNow();
        }
    }

    /** True when this process follows Git: a controller that leads rollouts. */
    public boolean leads() {
        return duties.leads();
    }

    /** This controller has just become the leader: the branch head is considered afresh, so a rollout cut short goes on. */
    public synchronized void lead() {
        lastEmitted = null;
        fetchNow();
    }

    /** Fetches now and emits the head if it is new; safe to call from any worker thread. */
    public synchronized Optional<String> fetchNow() {
        if (!leads()) {
            return Optional.empty();
        }
        long start = System.nanoTime();
        GitMirror.Head head;
        try {
            head = mirror.fetch();
        } catch (GitFetchFailed e) {
            metrics.gitFetch("failure", Duration.ofNanos(System.nanoTime() - start));
            if (!e.getMessage().equals(lastError)) {
                LOG.errorf("%s; hosts keep their current generation. Check driftless.git.url and the repository's access.", e.getMessage());
            }
            lastError = e.getMessage();
            return Optional.empty();
        }
        metrics.gitFetch("success", Duration.ofNanos(System.nanoTime() - start));
        metrics.lastCommit(head.committedAt());
        if (lastError != null) {
            LOG.infof("fetching %s works again", branch);
            lastError = null;
        }
        fetched = true;
        if (!head.sha().equals(lastEmitted)) {
            try {
                consider(head);
            } catch (RuntimeException e) {
                // Not marked as emitted: the next poll considers the head again.
                metrics.processingFailure("commit");
                LOG.errorf(e, "commit %.12s: cannot record it (%s); hosts keep their current generation, and the next poll tries "
                        + "again. Check the state store under driftless.data-dir.", head.sha(), e.getMessage());
                return Optional.empty();
            }
        }
        lastEmitted = head.sha();
        return Optional.of(head.sha());
    }

    /** True once the repository has been fetched successfully at least once. */
    public boolean fetched() {
        return fetched || !leads();
    }

    /**
     * Why a head must not be deployed: the branch was force-pushed to a history that does not
     * contain the commit the fleet was last given, which rewinds or rewrites what runs.
     */
    private Optional<String> rewrittenHistory(String head) {
        if (allowForcePush) {
            return Optional.empty();
        }
        return store.deployedCommit()
                .filter(deployed -> !deployed.equals(head) && !mirror.contains(deployed, head))
                .map(deployed -> "the branch no longer contains the deployed commit " + shortSha(deployed)
                        + " (a force-push); every host stays on it. Push a commit on top of it, or set "
                        + "driftless.git.allow-force-push=true to deploy rewritten history.");
    }

    /**
     * What a new branch head means: nothing (the fleet is already given it, or it failed), a
     * refusal (rewritten history or no trusted signature), or a rollout, also of an earlier
     * commit that is the head again.
     */
    private void consider(GitMirror.Head head) {
        String sha = head.sha();
        Optional<CommitRecord> known = store.commit(sha);
        boolean given = store.deployedCommit().map(sha::equals).orElse(false);
        if (given || known.map(c -> c.status() == CommitRecord.Status.FAILED).orElse(false)) {
            return;
        }
        CommitObserved event = new CommitObserved(sha, branch, head.message(), head.author(), head.committedAt(), Instant.now());
        Optional<String> forced = rewrittenHistory(sha);
        Optional<String> refused = forced.or(() -> verifier.refusal(sha));
        if (refused.isPresent()) {
            if (known.isEmpty()) {
                store.recordObserved(event);
                store.setStatus(sha, CommitRecord.Status.REFUSED, refused.get(), List.of());
            }
            metrics.commitRefused(forced.isPresent() ? "force-push" : "unverified");
            LOG.errorf("commit %s on %s refused: %s", shortSha(sha), branch, refused.get());
            events.publish(HostEvent.of(HostEvent.COMMIT_REFUSED, branch, sha, Map.of("reason", refused.get())));
            return;
        }
        if (known.isEmpty()) {
            store.recordObserved(event);
        } else if (known.get().status().finished()) {
            store.reobserve(sha, event.observedAt()); // an earlier commit is the head again: roll it out again
        }
        LOG.infof("commit %s on %s observed: %s", shortSha(sha), branch, head.message());
        commits.send(event);
    }

    static String shortSha(String sha) {
        return sha.length() > 12 ? sha.substring(0, 12) : sha;
    }

}
