package dev.driftless.fleet;

import dev.driftless.host.drift.Finding;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The last deep drift findings of each host this controller reconciles, with when they were
 * made: what the API shows per check and the drift gauges export. Live state only; a restart
 * finds them again at each host's first resync.
 */
@ApplicationScoped
public class DriftFindings {

    /** One host's findings as of {@code at}. */
    public record Snapshot(Instant at, List<Finding> findings) {}

    private final Map<String, Snapshot> byHost = new ConcurrentHashMap<>();

    public void record(String host, List<Finding> findings) {
        byHost.put(host, new Snapshot(Instant.now(), List.copyOf(findings)));
    }

    public Optional<Snapshot> of(String host) {
        return Optional.ofNullable(byHost.get(host));
    }

    public void forget(String host) {
        byHost.remove(host);
    }
}
