package dev.driftless.fleet;

import dev.driftless.config.DriftlessConfig;
import dev.driftless.event.HostEvent;
import dev.driftless.host.Deployment;
import dev.driftless.host.Desired;
import dev.driftless.host.HostStatus;
import dev.driftless.metrics.DriftlessMetrics;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;

/**
 * The controller's live picture of every configured host. Desired generations are loaded from
 * the store at start, so a restart knows what each host should run without evaluating again.
 */
@ApplicationScoped
public class Fleet {

    private final Map<String, AtomicReference<HostStatus>> hosts = new TreeMap<>();

    private final HostEvents events;

    Fleet(DriftlessConfig config, FleetStore store, DriftlessMetrics metrics, HostEvents events) {
        this.events = events;
        Map<String, Desired> desired = store.desired();
        config.hosts().forEach((name, host) -> {
            HostStatus status = HostStatus.unknown(name, host.target()).withDesired(desired.get(name));
            Optional<HistoryEntry> last = store.lastOf(name, HistoryEntry.DEPLOYMENT_KINDS);
            if (last.isPresent()) {
                status = status.deployed(toDeployment(last.get()));
            }
            AtomicReference<HostStatus> ref = new AtomicReference<>(status);
            hosts.put(name, ref);
            metrics.bindHost(name, ref::get);
        });
    }

    public Set<String> names() {
        return hosts.keySet();
    }

    public List<HostStatus> all() {
        return hosts.values().stream().map(AtomicReference::get).toList();
    }

    public Optional<HostStatus> get(String name) {
        return Optional.ofNullable(hosts.get(name)).map(AtomicReference::get);
    }

    public HostStatus update(String name, UnaryOperator<HostStatus> change) {
        AtomicReference<HostStatus> ref = hosts.get(name);
        HostStatus before;
        HostStatus after;
        do {
            before = ref.get();
            after = change.apply(before);
        } while (!ref.compareAndSet(before, after));
        if (before.state() != after.state()) {
            events.publish(HostEvent.of(HostEvent.STATE_CHANGED, name, after.desired() == null ? null : after.desired().commit(),
                    Map.of("from", before.state().label(), "to", after.state().label(), "message", String.valueOf(after.message()))));
        }
        return after;
    }

    /** Makes a commit's generations the desired state of the hosts it names. */
    public void promote(Map<String, Desired> desired) {
        desired.forEach((name, d) -> {
            if (hosts.containsKey(name)) {
                update(name, s -> s.withDesired(d));
            }
        });
    }

    static Deployment toDeployment(HistoryEntry e) {
        Deployment.Result result = switch (e.kind()) {
            case HistoryEntry.DEPLOYED -> Deployment.Result.SUCCEEDED;
            case HistoryEntry.ROLLED_BACK -> Deployment.Result.ROLLED_BACK;
            default -> Deployment.Result.FAILED;
        };
        return new Deployment(e.commit(), e.path(), result, e.generation(), e.at(), e.at(), e.message());
    }
}
