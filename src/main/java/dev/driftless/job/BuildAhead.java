package dev.driftless.job;

import dev.driftless.config.DriftlessConfig;
import dev.driftless.nix.Nix;
import dev.driftless.nix.NixFailure;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BiConsumer;
import org.jboss.logging.Logger;

/**
 * Builds a commit's changed hosts while the rest of the commit is still evaluated, the way
 * nix-fast-build feeds nix-eval-jobs' output to builds: on a large fleet the evaluation of every
 * host takes longer than building the one that changed. Only the store is touched: the commit's
 * own build (signing, the cache, the result) runs as always once the evaluation is whole, finds
 * the work done, and reports any failure; nothing becomes desired earlier. One {@code nix build}
 * at a time, of what the evaluation has shown so far.
 */
@ApplicationScoped
public class BuildAhead {

    private static final Logger LOG = Logger.getLogger(BuildAhead.class);

    private final Nix nix;
    private final boolean enabled;
    private final ExecutorService builder = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "driftless-build-ahead");
        t.setDaemon(true);
        return t;
    });

    @jakarta.inject.Inject
    BuildAhead(Nix nix, DriftlessConfig config) {
        this(nix, config.build().ahead().orElse(!"kafka".equals(config.bus())) && config.role().works());
    }

    BuildAhead(Nix nix, boolean enabled) {
        this.nix = nix;
        this.enabled = enabled;
    }

    /** A build ahead in progress is not waited for: its nix is killed, and the commit's own build does the work again. */
    void onStop(@Observes ShutdownEvent stop) {
        builder.shutdownNow();
    }

    /** Waits until the builds ahead already started have ended: the builder runs them one after another. */
    void settle() throws InterruptedException, java.util.concurrent.ExecutionException {
        builder.submit(() -> {}).get();
    }

    /** One evaluation of {@code sha}: a host whose drvPath differs from its drvPath in {@code before} is built as soon as it is seen. */
    public Session start(String sha, Map<String, String> before) {
        return new Session(sha, enabled ? Map.copyOf(before) : Map.of());
    }

    /** Hears the evaluation's drvPaths; closed when the evaluation ends, after which nothing new starts. */
    public final class Session implements BiConsumer<String, String>, AutoCloseable {
        private final String sha;
        private final Map<String, String> before;
        private final Map<String, String> queued = new LinkedHashMap<>();
        private final Set<String> seen = new HashSet<>();
        private boolean open = true;
        private boolean running;

        private Session(String sha, Map<String, String> before) {
            this.sha = sha;
            this.before = before;
        }

        @Override
        public synchronized void accept(String host, String drvPath) {
            String was = before.get(host);
            if (!open || was == null || was.equals(drvPath) || !seen.add(drvPath)) {
                return; // unknown before (a first evaluation, a new host): left to the commit's build
            }
            queued.put(host, drvPath);
            if (!running) {
                running = true;
                builder.execute(this::drain);
            }
        }

        @Override
        public synchronized void close() {
            open = false;
            queued.clear();
        }

        private void drain() {
            for (Map<String, String> batch = next(); !batch.isEmpty(); batch = next()) {
                long start = System.nanoTime();
                try {
                    nix.realise(batch.values());
                    LOG.debugf("commit %.12s: built %s ahead, while the commit was still evaluated, in %d ms", sha, batch.keySet(),
                            (System.nanoTime() - start) / 1_000_000);
                } catch (NixFailure | RuntimeException e) {
                    LOG.debugf("commit %.12s: building %s ahead failed; the commit's build says why: %s", sha, batch.keySet(),
                            e.getMessage());
                }
            }
        }

        private synchronized Map<String, String> next() {
            Map<String, String> batch = new LinkedHashMap<>(queued);
            queued.clear();
            if (batch.isEmpty()) {
                running = false;
            }
            return batch;
        }
    }
}
