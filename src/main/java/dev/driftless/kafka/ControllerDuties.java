package dev.driftless.kafka;

import dev.driftless.fleet.Assignments;
import dev.driftless.fleet.Fleet;
import dev.driftless.fleet.RolloutCoordinator;
import dev.driftless.fleet.StateJournal;
import dev.driftless.host.reconcile.ReconcileScheduler;
import dev.driftless.source.GitWatcher;
import io.smallrye.reactive.messaging.kafka.KafkaClientService;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.jboss.logging.Logger;

/**
 * Carries out what the controllers' group decides: leading rollouts, and reconciling a share
 * of the hosts. Before acting on anything it takes over, a controller reads every change the
 * previous holder wrote, so that it goes on from where that one stopped.
 */
final class ControllerDuties implements ControllerGroup.Duties {

    private static final Logger LOG = Logger.getLogger(ControllerDuties.class);
    private static final Duration CATCH_UP = Duration.ofSeconds(30);
    /** Channels whose results only the leader acts on: it must be reading them before it starts a rollout. */
    private static final List<String> ROLLOUT_INPUTS = List.of("evaluations-in", "build-results-in");

    private final Fleet fleet;
    private final int partitions;
    private final StateJournal journal;
    private final ReconcileScheduler scheduler;
    /** The host partitions this controller holds: a host that a new commit declares is ours when it falls in one. */
    private final Set<Integer> held = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final RolloutCoordinator coordinator;
    private final GitWatcher watcher;
    private final KafkaClientService clients;
    private final ExecutorService leading = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "rollout-leader");
        t.setDaemon(true);
        return t;
    });
    private final Assignments assignments;
    private final Object lock = new Object();
    private int term;

    ControllerDuties(Fleet fleet, Assignments assignments, int partitions, StateJournal journal, ReconcileScheduler scheduler,
            RolloutCoordinator coordinator, GitWatcher watcher, KafkaClientService clients) {
        this.fleet = fleet;
        this.assignments = assignments;
        this.partitions = partitions;
        this.journal = journal;
        this.scheduler = scheduler;
        scheduler.shareBy(host -> held.contains(HostPartitions.of(host, partitions)));
        this.coordinator = coordinator;
        this.watcher = watcher;
        this.clients = clients;
    }

    /** Off the group's thread, since it waits; a step down in between cancels it. */
    @Override
    public void lead() {
        int mine;
        synchronized (lock) {
            mine = ++term;
        }
        leading.execute(() -> {
            catchUp("rollouts");
            awaitRolloutInputs();
            synchronized (lock) {
                if (term != mine) {
                    return;
                }
                assignments.lead();
            }
            watcher.lead(); // the branch head afresh: a rollout the previous leader left unfinished goes on
        });
    }

    @Override
    public void stepDown(String why) {
        synchronized (lock) {
            term++;
            if (assignments.leads()) {
                LOG.infof("no longer leading rollouts: %s", why);
            }
            assignments.stepDown();
            coordinator.stepDown();
        }
    }

    @Override
    public void take(Set<Integer> hostPartitions) {
        held.addAll(hostPartitions);
        List<String> hosts = hostsIn(hostPartitions);
        catchUp(hosts.toString());
        scheduler.take(hosts);
    }

    @Override
    public void release(Set<Integer> hostPartitions, String why) {
        held.removeAll(hostPartitions);
        List<String> hosts = hostsIn(hostPartitions).stream().filter(assignments::owns).toList();
        if (!hosts.isEmpty()) {
            LOG.infof("letting go of %s: %s", hosts, why);
            scheduler.release(hosts);
        }
    }

    private List<String> hostsIn(Set<Integer> hostPartitions) {
        return fleet.names().stream().filter(h -> hostPartitions.contains(HostPartitions.of(h, partitions))).toList();
    }

    private void catchUp(String what) {
        if (!journal.catchUp(CATCH_UP)) {
            LOG.warnf("taking over %s without having read all that other controllers wrote within %s; is the broker up?", what, CATCH_UP);
        }
    }

    private void awaitRolloutInputs() {
        long deadline = System.nanoTime() + CATCH_UP.toNanos();
        for (String channel : ROLLOUT_INPUTS) {
            while (System.nanoTime() < deadline) {
                try {
                    if (!clients.getConsumer(channel).getAssignments().await().atMost(Duration.ofSeconds(5)).isEmpty()) {
                        break;
                    }
                } catch (RuntimeException notYet) {
                    // the channel's consumer has not started yet
                }
                sleep(100);
            }
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    void close() {
        leading.shutdownNow();
    }
}
