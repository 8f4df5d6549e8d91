package dev.driftless.host.reconcile;

import dev.driftless.config.DriftlessConfig;
import dev.driftless.fleet.Fleet;
import dev.driftless.fleet.HostWaker;
import dev.driftless.fleet.RolloutCoordinator;
import dev.driftless.host.HostState;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import dev.driftless.metrics.DriftlessMetrics;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.Map;
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
    private static final int IDLE = 0;
    private static final int RUNNING = 1;
    private static final int RUNNING_AGAIN = 2;
    /** Longer than any one reconcile should take; the controllers' group waits this long for a hand-over. */
    private static final Duration RELEASE_TIMEOUT = Duration.ofMinutes(10);

    private final HostReconciler reconciler;
    private final Fleet fleet;
    private final ExecutorService pool;
    private final ScheduledExecutorService retries = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "reconcile-retry"));
    private final Map<String, AtomicInteger> running = new ConcurrentHashMap<>();
    private final Map<String, Integer> failures = new ConcurrentHashMap<>();
    /** Hosts in backoff: no run before this {@link System#nanoTime()}, whatever wakes them. */
    private final Map<String, Long> notBefore = new ConcurrentHashMap<>();

    private final DriftlessMetrics metrics;
    private final RolloutCoordinator coordinator;
    private final boolean controls;
    private final boolean shared;
    /** Resyncs in progress: when each started and which hosts it still waits for. */
    private final List<Wave> waves = new CopyOnWriteArrayList<>();

    record Wave(long startedNanos, Set<String> pending) {}

    ReconcileScheduler(HostReconciler reconciler, Fleet fleet, DriftlessMetrics metrics, DriftlessConfig config,
            RolloutCoordinator coordinator) {
        this.reconciler = reconciler;
        this.fleet = fleet;
        this.metrics = metrics;
        this.coordinator = coordinator;
        this.controls = config.role().controls();
        this.shared = config.distributed(); // the controllers' group hands out the hosts
        AtomicInteger n = new AtomicInteger();
        this.pool = Executors.newFixedThreadPool(Math.max(1, config.deploy().parallelism()),
                r -> daemon(r, "reconcile-" + n.incrementAndGet()));
    }

    void onStart(@Observes StartupEvent start) {
        if (controls) {
            metrics.bindController(() -> fleet.owned().size(), coordinator::leads);
            if (!shared) {
                take(fleet.names());
            }
        }
    }

    /** This controller reconciles these hosts from now on. */
    public void take(Collection<String> hosts) {
        fleet.take(hosts);
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
        fleet.release(hosts);
        hosts.forEach(h -> {
            notBefore.remove(h);
            failures.remove(h);
            finished(h); // a resync in progress no longer waits for it
        });
        long deadline = System.nanoTime() + RELEASE_TIMEOUT.toNanos();
        List<String> busy = busy(hosts);
        if (!busy.isEmpty()) {
            LOG.infof("handing %s to another controller once their runs here finish", busy);
        }
        while (!busy.isEmpty() && System.nanoTime() < deadline && sleep(20)) {
            busy = busy(hosts);
        }
        hosts.forEach(reconciler::forget);
        if (!busy.isEmpty()) {
            LOG.errorf("%s still reconciling here after %s while another controller takes them over; check these hosts' "
                    + "history for a double deployment", busy, RELEASE_TIMEOUT);
        } else if (!hosts.isEmpty()) {
            LOG.infof("%s handed to another controller", new TreeSet<>(hosts));
        }
    }

    private List<String> busy(Collection<String> hosts) {
        return hosts.stream().filter(h -> running.getOrDefault(h, new AtomicInteger(IDLE)).get() != IDLE).sorted().toList();
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

    void onStop(@Observes ShutdownEvent stop) {
        retries.shutdownNow();
        pool.shutdownNow();
    }

    @Scheduled(every = "${driftless.reconcile.interval:30s}", delayed = "${driftless.reconcile.interval:30s}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void resync() {
        if (!controls) {
            return; // a worker process touches no host
        }
        Set<String> owned = fleet.owned();
        if (owned.isEmpty()) {
            return;
        }
        Wave wave = new Wave(System.nanoTime(), ConcurrentHashMap.newKeySet());
        wave.pending().addAll(owned);
        waves.add(wave);
        for (String host : owned) {
            if (!wakeIfDue(host)) {
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
        wakeIfDue(host);
    }

    private boolean wakeIfDue(String host) {
        if (!controls || !fleet.owns(host)) {
            return false;
        }
        Long until = notBefore.get(host);
        if (until != null && System.nanoTime() - until < 0) {
            return false; // Its retry is already scheduled.
        }
        run(host);
        return true;
    }

    /** Wakes a host now, even during backoff: someone asked for it. False when another controller reconciles it. */
    public boolean wakeNow(String host) {
        if (!fleet.owns(host)) {
            return false;
        }
        notBefore.remove(host);
        run(host);
        return true;
    }

    private void run(String host) {
        AtomicInteger state = running.computeIfAbsent(host, h -> new AtomicInteger(IDLE));
        while (true) {
            int now = state.get();
            if (now == IDLE && state.compareAndSet(IDLE, RUNNING)) {
                pool.execute(() -> loop(host, state));
                return;
            }
            if (now != IDLE && state.compareAndSet(now, RUNNING_AGAIN)) {
                return;
            }
        }
    }

    private void loop(String host, AtomicInteger state) {
        do {
            state.set(RUNNING);
            if (fleet.owns(host)) { // released while it waited: its new owner runs it
                runOnce(host);
            }
            finished(host);
        } while (!state.compareAndSet(RUNNING, IDLE));
    }

    private void finished(String host) {
        for (Wave wave : waves) {
            if (wave.pending().remove(host) && wave.pending().isEmpty() && waves.remove(wave)) {
                metrics.resync(Duration.ofNanos(System.nanoTime() - wave.startedNanos()));
            }
        }
    }

    private void runOnce(String host) {
        MDC.put("host", host); // every line logged for this run carries the host, in JSON logs as a field
        try {
            ReconcileResult result = reconciler.reconcile(host);
            if (result.retryAfter() != null) {
                scheduleRetry(host, result.retryAfter());
            } else {
                failures.remove(host);
                notBefore.remove(host);
            }
        } catch (RuntimeException e) {
            metrics.processingFailure("reconcile");
            LOG.errorf(e, "host %s: reconciliation failed unexpectedly; it will be tried again at the next resync", host);
            fleet.update(host, s -> s.with(s.state() == HostState.DEPLOYING ? HostState.UNKNOWN : s.state(), e.getMessage()));
        } finally {
            MDC.remove("host");
        }
    }

    /** Exponential backoff with jitter, capped at the given interval, so a dead host is not hammered. */
    private void scheduleRetry(String host, Duration cap) {
        int attempt = failures.merge(host, 1, Integer::sum);
        long base = Math.min(cap.toMillis(), 500L << Math.min(attempt, 16));
        long delay = base / 2 + ThreadLocalRandom.current().nextLong(base / 2 + 1);
        Long previous = notBefore.put(host, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(delay));
        if (previous == null) {
            retries.schedule(() -> {
                notBefore.remove(host);
                wake(host);
            }, delay, TimeUnit.MILLISECONDS);
        }
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }
}
