package dev.driftless.fleet;

import dev.driftless.event.BuildRequest;
import dev.driftless.event.BuildResult;
import dev.driftless.event.Channels;
import dev.driftless.event.EvaluationResult;
import dev.driftless.fleet.CommitRecord.Status;
import dev.driftless.host.Desired;
import dev.driftless.host.HostState;
import dev.driftless.host.HostStatus;
import dev.driftless.inventory.Inventory;
import dev.driftless.nix.Nix;
import dev.driftless.nix.NixFailure;
import dev.driftless.metrics.DriftlessMetrics;
import io.smallrye.reactive.messaging.annotations.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * Turns evaluated commits into desired generations. Only hosts whose drvPath changed are
 * built, and a commit becomes desired for all hosts at once, only after every build it needs
 * succeeded: a commit that fails anywhere leaves every host on its last good generation.
 * Handling is idempotent, because delivery is at least once. When several controllers share
 * a fleet, only the one that leads rollouts acts; the others let every result pass.
 */
@ApplicationScoped
public class RolloutCoordinator {

    private static final Logger LOG = Logger.getLogger(RolloutCoordinator.class);

    private final FleetStore store;
    private final Fleet fleet;
    private final HostWaker waker;
    private final Nix nix;
    private final Emitter<BuildRequest> builds;
    private final DriftlessMetrics metrics;
    private final Duties duties;
    private final FleetInventory inventory;
    private final int hostsPerBuild;
    private Rollout pending;

    RolloutCoordinator(FleetStore store, Fleet fleet, HostWaker waker, Nix nix, Duties duties, DriftlessMetrics metrics,
            @Channel(Channels.BUILD_REQUESTS_OUT) Emitter<BuildRequest> builds, dev.driftless.config.DriftlessConfig config,
            FleetInventory inventory) {
        this.inventory = inventory;
        this.hostsPerBuild = Math.max(1, config.build().hostsPerBuild());
        this.metrics = metrics;
        this.duties = duties;
        this.store = store;
        this.fleet = fleet;
        this.waker = waker;
        this.nix = nix;
        this.builds = builds;
    }

    /** A commit waiting for its builds: what it wants per host, and what has been built. */
    record Rollout(String sha, Instant committedAt, Map<String, String> wanted, Map<String, String> built, Inventory hosts) {}

    /**
     * Another controller coordinates rollouts from now on. A rollout in progress here is dropped;
     * the new leader rolls the branch head out again, since its commit is not finished.
     */
    public synchronized void stepDown() {
        if (pending != null) {
            LOG.infof("commit %.12s: no longer leading rollouts; the new leader takes it over", pending.sha());
        }
        pending = null;
    }

    @Incoming(Channels.EVALUATIONS_IN)
    @Blocking
    public synchronized void onEvaluation(EvaluationResult result) {
        try {
            handleEvaluation(result);
        } catch (RuntimeException e) {
            failVisibly(result.sha(), "evaluation", e);
        }
    }

    @Incoming(Channels.BUILD_RESULTS_IN)
    @Blocking
    public synchronized void onBuild(BuildResult result) {
        try {
            handleBuild(result);
        } catch (RuntimeException e) {
            failVisibly(result.sha(), "build", e);
        }
    }

    /**
     * A result that could not be handled (the store refused a write, say) fails its commit, with
     * the reason, a counted metric and a log line, instead of leaving it "observed" for ever. No
     * host moves: the commit never became desired.
     */
    private void failVisibly(String sha, String stage, RuntimeException e) {
        metrics.processingFailure(stage);
        String why = "cannot process the " + stage + " result: " + e.getMessage();
        if (pending != null && pending.sha().equals(sha)) {
            pending = null;
        }
        try {
            store.setStatus(sha, Status.FAILED, why, null);
            LOG.errorf(e, "commit %.12s: %s. Every host stays on its last good generation; once the cause is fixed, push again "
                    + "or POST /api/v1/hosts/{name}/sync.", sha, why);
        } catch (RuntimeException again) {
            LOG.errorf(e, "commit %.12s: %s, and marking it failed failed too (%s). Every host stays on its last good generation; "
                    + "check the state store under driftless.data-dir (readiness says state-store DOWN).", sha, why, again.getMessage());
        }
    }

    private void handleEvaluation(EvaluationResult result) {
        if (!duties.leads()) {
            return;
        }
        Optional<CommitRecord> commit = store.commit(result.sha());
        if (commit.isEmpty() || commit.get().status().finished() || (pending != null && pending.sha().equals(result.sha()))) {
            return; // Unknown, finished or in progress here: a redelivery. A BUILDING commit left by a crash goes on.
        }
        if (isSuperseded(result.sha())) {
            store.setStatus(result.sha(), Status.SUPERSEDED, null, null);
            return;
        }
        if (result instanceof EvaluationResult.Failed failed) {
            store.setStatus(failed.sha(), Status.FAILED, "evaluation failed: " + failed.error(), null);
            return;
        }
        EvaluationResult.Evaluated evaluated = (EvaluationResult.Evaluated) result;
        Map<String, String> drvPaths = evaluated.drvPaths();
        Inventory.Resolution resolution = inventory.resolve(evaluated.declared());
        if (!resolution.ok()) {
            String why = "its inventory (" + evaluated.declared().source() + ") is wrong: " + String.join("; ", resolution.errors());
            metrics.processingFailure("inventory");
            store.setStatus(result.sha(), Status.FAILED, why, null);
            LOG.errorf("commit %.12s is not deployed: %s. Every host stays where it is; fix the flake (or driftless.hosts.*) and push again.",
                    result.sha(), why);
            return;
        }
        Inventory hosts = resolution.inventory();
        hosts.notes().forEach(note -> LOG.infof("commit %.12s: %s", result.sha(), note));
        warnAboutUntargeted(result.sha(), drvPaths, hosts);
        Map<String, String> changed = new TreeMap<>();
        for (String host : hosts.names()) {
            String drv = drvPaths.get(host);
            Desired current = fleet.get(host).map(HostStatus::desired).orElse(null);
            if (drv != null && (current == null || !drv.equals(current.drvPath()))) {
                changed.put(host, drv);
            }
        }
        if (pending != null) {
            store.setStatus(pending.sha(), Status.SUPERSEDED, null, null);
        }
        pending = new Rollout(result.sha(), commit.get().committedAt(), changed, new HashMap<>(), hosts);
        store.setBuilding(result.sha(), List.copyOf(changed.keySet()), hosts.source(), evaluated.declared());
        LOG.infof("commit %.12s: %d host(s) from %s; it changes %s", result.sha(), hosts.names().size(), hosts.source(),
                changed.isEmpty() ? "no host" : changed.keySet());
        batches(changed, hostsPerBuild).forEach(batch -> builds.send(new BuildRequest(result.sha(), batch)));
        promoteIfComplete();
    }

    /** The changed hosts in name order, cut into batches of at most {@code size}: one {@code nix build} each. */
    static List<Map<String, String>> batches(Map<String, String> changed, int size) {
        List<Map<String, String>> batches = new ArrayList<>();
        Map<String, String> batch = new TreeMap<>();
        for (Map.Entry<String, String> host : new TreeMap<>(changed).entrySet()) {
            batch.put(host.getKey(), host.getValue());
            if (batch.size() == size) {
                batches.add(batch);
                batch = new TreeMap<>();
            }
        }
        if (!batch.isEmpty()) {
            batches.add(batch);
        }
        return batches;
    }

    private void handleBuild(BuildResult result) {
        if (!duties.leads() || pending == null || !pending.sha().equals(result.sha())
                || !pending.wanted().keySet().containsAll(result.drvPaths().keySet())) {
            return; // A result for a commit that was superseded, failed or already complete.
        }
        if (result instanceof BuildResult.Failed failed) {
            store.setStatus(failed.sha(), Status.FAILED, "build of " + String.join(", ", failed.failed()) + " failed: " + failed.error(), null);
            pending = null;
            return;
        }
        BuildResult.Built built = (BuildResult.Built) result;
        try {
            nix.fetch(built.outPaths().values()); // a worker with a store of its own handed them over through the cache
        } catch (NixFailure e) {
            store.setStatus(built.sha(), Status.FAILED, "cannot fetch the builds of " + String.join(", ", new TreeMap<>(built.outPaths()).keySet())
                    + " from driftless.nix.cache: " + e.getMessage(), null);
            LOG.errorf("commit %.12s: cannot fetch the builds of %s from the Nix cache; every host stays on its last good generation. "
                    + "Check driftless.nix.cache on the workers and the controller. %s", built.sha(), new TreeMap<>(built.outPaths()).keySet(),
                    e.getMessage());
            pending = null;
            return;
        }
        pending.built().putAll(built.outPaths());
        promoteIfComplete();
    }

    private void promoteIfComplete() {
        if (pending == null || pending.built().size() < pending.wanted().size()) {
            return;
        }
        Map<String, Desired> next = new TreeMap<>();
        for (String host : pending.hosts().names()) {
            Desired current = fleet.get(host).map(HostStatus::desired).orElse(null);
            if (pending.wanted().containsKey(host)) {
                next.put(host, new Desired(pending.sha(), pending.committedAt(), pending.wanted().get(host), pending.built().get(host)));
            } else if (current != null) {
                next.put(host, new Desired(pending.sha(), pending.committedAt(), current.drvPath(), current.path()));
            }
        }
        store.saveDesired(next);
        store.setStatus(pending.sha(), Status.READY, null, null);
        inventory.apply(pending.hosts());
        Fleet.Managed change = fleet.manage(pending.hosts(), pending.sha(), next);
        record(change, pending.hosts(), pending.sha());
        fleet.promote(next, duties);
        // Names in full only for a small fleet: a line per commit that lists 500 hosts says less, not more.
        List<String> names = List.copyOf(new java.util.TreeSet<>(next.keySet()));
        LOG.infof("commit %.12s is now desired for %d host(s): %s", pending.sha(), names.size(),
                names.size() <= 10 ? String.join(", ", names) : String.join(", ", names.subList(0, 10)) + ", …");
        waker.manage(change);
        waker.wake(pending.wanted().keySet());
        pending = null;
    }

    /** The hosts a commit brought under management or let go of, in their history: the removal is on record. */
    private void record(Fleet.Managed change, Inventory hosts, String sha) {
        Instant now = Instant.now();
        Map<String, HistoryEntry> managed = new TreeMap<>();
        change.added().forEach(name -> managed.put(name, new HistoryEntry(now, HistoryEntry.MANAGED, sha, null, null, null, null,
                "declared by commit " + sha + " (" + hosts.source() + "): deployed to from now on")));
        store.appendAll(managed);
        change.removed().forEach(name -> {
            store.append(name, new HistoryEntry(now, HistoryEntry.UNMANAGED, sha, null, null,
                    HostState.UNMANAGED.label(), null, "not declared by commit " + sha + " (" + hosts.source()
                            + "): left running what it runs, no longer deployed to"));
            // Nobody watches it any more, so nothing would ever close it; it did not recover, so no MTTR.
            store.openIncident(name).ifPresent(open -> store.closeIncident(open.id(), now));
        });
        if (!change.removed().isEmpty()) {
            LOG.infof("commit %.12s no longer declares %s: they keep running what they run and are not deployed to any more",
                    sha, change.removed());
        }
    }

    private boolean isSuperseded(String sha) {
        return store.latestCommit().map(latest -> !latest.sha().equals(sha)).orElse(false);
    }

    private void warnAboutUntargeted(String sha, Map<String, String> drvPaths, Inventory hosts) {
        drvPaths.keySet().stream().filter(h -> !hosts.names().contains(h)).forEach(h ->
                LOG.warnf("commit %.12s has nixosConfigurations.%s but declares no host %s (and driftless.hosts.%s.target is not set);"
                        + " it is not deployed", sha, h, h, h));
        hosts.names().stream().filter(h -> !drvPaths.containsKey(h)).forEach(h ->
                LOG.warnf("host %s is configured but commit %.12s has no nixosConfigurations.%s; it keeps its generation", h, sha, h));
    }
}
