package dev.driftless.host.reconcile;

import dev.driftless.config.DriftlessConfig;
import dev.driftless.fleet.Fleet;
import dev.driftless.fleet.HostWaker;
import dev.driftless.fleet.Assignments;
import dev.driftless.host.HostState;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import dev.driftless.metrics.DriftlessMetrics;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;
import org.jboss.logging.MDC;

/**
 * Runs host reconciliations: at most {@code driftless.deploy.parallelism} at once, never two for
 * the same host, and wake-ups that arrive while a host is being reconciled fold into one more
 * run. Events wake hosts at once; the periodic resync wakes all of them, so a lost event costs
 * latency, never correctness. It runs only the hosts this controller owns: all of them
 * standalone; when several controllers share a fleet, a host handed to another controller is
 * let go only once its run here has finished, so no host is ever reconciled by two at once.
 */
@ApplicationScoped
public class ReconcileScheduler implements HostWaker {

    private static final Logger LOG = Logger.getLogger(ReconcileScheduler.class);
    /** Longer than any one reconcile should take; the controllers' group waits this long for a hand-over. */
    private static final Duration RELEASE_TIMEOUT = Duration.ofMinutes(10);

    private final HostReconciler reconciler;
    private final Fleet fleet;
    private final ExecutorService pool;
    private final HostQueue queue;
    private final ScheduledExecutorService retries = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "reconcile-retry"));

    private final DriftlessMetrics metrics;
    private final Assignments duties;
    private final boolean controls;
    private final boolean shared;
    private final Duration stopGrace;
    /** Set on stop: no run starts any more. */
    private volatile boolean stopping;
    /** Resyncs in progress: when each started and which hosts it still waits for. */
    private final List<Wave> waves = new CopyOnWriteArrayList<>();

    record Wave(long startedNanos, Set<String> pending) {}

    ReconcileScheduler(HostReconciler reconciler, Fleet fleet, DriftlessMetrics metrics, DriftlessConfig config,
            Assignments duties) {
        this.reconciler = reconciler;
        this.fleet = fleet;
        this.metrics = metrics;
        this.duties = duties;
        this.controls = config.role().controls();
        this.shared = config.distributed(); // the controllers' group hands out the hosts
        this.stopGrace = config.deploy().stopGrace();
        AtomicInteger n = new AtomicInteger();
        this.pool = Executors.newFixedThreadPool(Math.max(1, config.deploy().parallelism()),
                r -> daemon(r, "reconcile-" + n.incrementAndGet()));
        reconciler.onChange(this::wake);
        this.queue = new HostQueue(pool, retries, this::runOnce,
                host -> controls && !stopping && duties.owns(host) && fleet.manages(host), this::finished,
                bound -> ThreadLocalRandom.current().nextLong(bound + 1));
    }

    void onStart(@Observes StartupEvent start) {
        if (controls) {
            metrics.bindController(() -> duties.owned().size(), duties::leads);
            if (!shared) {
                take(fleet.names());
            }
        }
    }

    /** Decides, when controllers share the fleet, whether a host newly under management is this one's. */
    private volatile java.util.function.Predicate<String> mine = host -> false;

    /** The controllers' group says which hosts are this controller's share. */
    public void shareBy(java.util.function.Predicate<String> share) {
        this.mine = share;
    }

    @Override
    public void manage(Fleet.Managed change) {
        if (!controls) {
            return;
        }
        if (!change.removed().isEmpty()) {
            List<String> gone = change.removed().stream().filter(duties::owns).toList();
            duties.release(gone);
            fleet.unexport(gone);
            gone.forEach(h -> {
                queue.forget(h);
                finished(h);
                reconciler.unwatch(h);
            });
            LOG.infof("no longer reconciling %s: not in the inventory any more; left running what they run", change.removed());
        }
        List<String> added = change.added().stream().filter(h -> !shared || mine.test(h)).toList();
        if (!added.isEmpty()) {
            take(added);
        }
    }

    /** This controller reconciles these hosts from now on. */
    public void take(Collection<String> hosts) {
        duties.take(hosts);
        fleet.export(hosts);
        if (!hosts.isEmpty()) {
            LOG.infof("reconciling %s here", new TreeSet<>(hosts));
        }
        wake(hosts);
    }

    /**
     * Another controller reconciles these hosts from now on. Returns once no run of them is left
     * here, so that the next owner never starts one beside ours.
     */
    public void release(Collection<String> hosts) {
        duties.release(hosts);
        fleet.unexport(hosts);
        hosts.forEach(h -> {
            queue.forget(h);
            finished(h); // a resync in progress no longer waits for it
        });
        long deadline = System.nanoTime() + RELEASE_TIMEOUT.toNanos();
        List<String> busy = queue.busy(hosts);
        if (!busy.isEmpty()) {
            LOG.infof("handing %s to another controller once their runs here finish", busy);
        }
        while (!busy.isEmpty() && System.nanoTime() < deadline && sleep(20)) {
            busy = queue.busy(hosts);
        }
        hosts.forEach(reconciler::forget);
        if (!busy.isEmpty()) {
            LOG.errorf("%s still reconciling here after %s while another controller takes them over; check these hosts' "
                    + "history for a double deployment", busy, RELEASE_TIMEOUT);
        } else if (!hosts.isEmpty()) {
            LOG.infof("%s handed to another controller", new TreeSet<>(hosts));
        }
    }

    /** False once interrupted: the process is stopping, and waiting longer helps nobody. */
    private static boolean sleep(long millis) {
        try {
            Thread.sleep(millis);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Lets the runs in progress end, up to {@code driftless.deploy.stop-grace}; the queued ones do not start. */
    // Before the observers that close what a run records into (the Kafka journal).
    void onStop(@Observes @Priority(10) ShutdownEvent stop) {
        stopping = true;
        retries.shutdownNow();
        pool.shutdown();
        List<String> busy = queue.busy(duties.owned());
        if (!busy.isEmpty()) {
            LOG.infof("stopping: waiting up to %d s (driftless.deploy.stop-grace) for the runs of %s to end", stopGrace.toSeconds(), busy);
        }
        try {
            if (!pool.awaitTermination(stopGrace.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warnf("stopping: the runs of %s outlived driftless.deploy.stop-grace (%d s) and are stopped; the next start"
                        + " observes what they left", queue.busy(duties.owned()), stopGrace.toSeconds());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        pool.shutdownNow();
    }

    // Not once the application stops: a resync that fired during the stop grace ran after the container had gone (an ERROR).
    @Scheduled(every = "${driftless.reconcile.interval:30s}", delayed = "${driftless.reconcile.interval:30s}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP, skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void resync() {
        if (!controls || stopping) {
            return; // a worker process touches no host; a stopping one starts no run
        }
        Set<String> owned = duties.owned();
        if (owned.isEmpty()) {
            return;
        }
        Wave wave = new Wave(System.nanoTime(), ConcurrentHashMap.newKeySet());
        wave.pending().addAll(owned);
        waves.add(wave);
        for (String host : owned) {
            if (!queue.wake(host)) {
                finished(host);
            }
        }
    }

    @Override
    public void wake(Collection<String> hosts) {
        hosts.forEach(this::wake);
    }

    /** Wakes a host unless it is backing off after failing to reach it. */
    public void wake(String host) {
        queue.wake(host);
    }

    /** Wakes a host now, even during backoff: someone asked for it. False when another controller reconciles it. */
    public boolean wakeNow(String host) {
        return queue.wakeNow(host);
    }

    private void finished(String host) {
        for (Wave wave : waves) {
            if (wave.pending().remove(host) && wave.pending().isEmpty() && waves.remove(wave)) {
                metrics.resync(Duration.ofNanos(System.nanoTime() - wave.startedNanos()));
            }
        }
    }

    private ReconcileResult runOnce(String host) {
        MDC.put("host", host); // every line logged for this run carries the host, in JSON logs as a field
        try {
            return reconciler.reconcile(host);
        } catch (RuntimeException e) {
            metrics.processingFailure("reconcile");
            LOG.errorf(e, "host %s: reconciliation failed unexpectedly; it will be tried again at the next resync", host);
            fleet.update(host, s -> s.with(s.state() == HostState.DEPLOYING ? HostState.UNKNOWN : s.state(), e.getMessage()));
            return null;
        } finally {
            MDC.remove("host");
        }
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }
}
