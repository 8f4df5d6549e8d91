package dev.driftless.fleet;

import dev.driftless.event.HostEvent;
import dev.driftless.host.Actual;
import dev.driftless.host.Deployment;
import dev.driftless.host.HostRecord;
import dev.driftless.host.Desired;
import dev.driftless.host.HostState;
import dev.driftless.host.HostStatus;
import dev.driftless.inventory.HostSettings;
import dev.driftless.inventory.Inventory;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentSkipListMap;
import dev.driftless.metrics.DriftlessMetrics;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * The controller's live picture of every host it knows: those of the fleet's inventory, and
 * those it managed before, shown as unmanaged. Desired generations are loaded from
 * the store at start, so a restart knows what each host should run without evaluating again.
 * Which hosts this process reconciles is not its business ({@link Duties}); it exports the gauges
 * of those it is told to, and mirrors what other controllers report of the rest.
 */
@ApplicationScoped
public class Fleet {

    private final Map<String, AtomicReference<HostStatus>> hosts = new ConcurrentSkipListMap<>();
    /** The hosts of the current inventory; the others are known from before and left alone, unmanaged. */
    private volatile java.util.SortedSet<String> managed = java.util.Collections.emptySortedSet();
    private final Set<String> exported = ConcurrentHashMap.newKeySet();

    private final HostEvents events;
    private final DriftlessMetrics metrics;

    private final DriftFindings findings;

    Fleet(FleetInventory inventory, FleetStore store, DriftlessMetrics metrics, HostEvents events, DriftFindings findings) {
        this.findings = findings;
        this.events = events;
        this.metrics = metrics;
        Map<String, Desired> desired = store.desired();
        Map<String, HostRecord> records = store.records();
        Set<String> known = new TreeSet<>(inventory.current().names());
        known.addAll(desired.keySet());
        known.addAll(records.keySet());
        for (String name : known) {
            HostStatus status = HostStatus.unknown(name, inventory.find(name).map(HostSettings::targetText).orElse(null)).withDesired(desired.get(name));
            Optional<HistoryEntry> last = store.lastOf(name, HistoryEntry.DEPLOYMENT_KINDS);
            if (last.isPresent()) {
                status = status.deployed(toDeployment(last.get()));
            }
            status = status.withRecord(records.getOrDefault(name, fromHistory(last)));
            if (!inventory.current().names().contains(name)) {
                status = status.with(HostState.UNMANAGED, UNMANAGED);
            }
            hosts.put(name, new AtomicReference<>(status));
        }
        managed = sorted(inventory.current().names());
    }

    private static final String UNMANAGED = "not in the fleet's inventory: left running what it runs, not deployed to";

    /** What a new inventory changed: hosts now managed that were not, and hosts no longer managed. */
    public record Managed(Set<String> added, Set<String> removed) {}

    /**
     * Brings the hosts of a commit's inventory under management and lets go of the others, which
     * keep running what they run and are shown as unmanaged; never wiped. A host new here starts
     * with its desired generation from {@code desired}.
     */
    public synchronized Managed manage(Inventory inventory, String commit, Map<String, Desired> desired) {
        Set<String> added = new TreeSet<>(inventory.names());
        added.removeAll(managed);
        Set<String> removed = new TreeSet<>(managed);
        removed.removeAll(inventory.names());
        for (HostSettings h : inventory.hosts().values()) {
            AtomicReference<HostStatus> ref = hosts.get(h.name());
            if (ref == null) {
                hosts.put(h.name(), new AtomicReference<>(HostStatus.unknown(h.name(), h.targetText()).withDesired(desired.get(h.name()))));
            } else {
                ref.updateAndGet(s -> s.retargeted(h.targetText()));
                if (added.contains(h.name())) {
                    update(h.name(), s -> s.with(HostState.UNKNOWN, "managed again from commit " + commit));
                }
            }
        }
        managed = sorted(inventory.names());
        removed.forEach(name -> update(name, s -> s.with(HostState.UNMANAGED, UNMANAGED)));
        return new Managed(added, removed);
    }

    /**
     * A host's record when the store has none: state written by a version before records, or a
     * host never reconciled. A last successful deployment is what the host was left on.
     */
    private static HostRecord fromHistory(Optional<HistoryEntry> last) {
        if (last.isEmpty() || !HistoryEntry.DEPLOYED.equals(last.get().kind()) || last.get().generation() == null) {
            return HostRecord.EMPTY;
        }
        HistoryEntry e = last.get();
        return HostRecord.EMPTY.withApplied(new HostRecord.Applied(e.commit(), e.path(), e.generation(), e.at()))
                .withLeft(new Actual(e.path(), e.generation()));
    }

    /**
     * Changes a host's durable record, one change at a time: {@code save} makes it durable before
     * the live picture shows it. The one path by which a record is written.
     */
    public synchronized HostRecord changeRecord(String name, UnaryOperator<HostRecord> change, Consumer<HostRecord> save) {
        HostRecord before = hosts.get(name).get().record();
        HostRecord after = change.apply(before);
        if (!after.equals(before)) {
            save.accept(after);
            update(name, s -> s.withRecord(after));
        }
        return after;
    }

    /** Hosts reconciled here from now on: their gauges are exported from here. */
    public void export(Collection<String> names) {
        for (String name : names) {
            AtomicReference<HostStatus> ref = hosts.get(name);
            if (ref != null && exported.add(name)) {
                metrics.bindHost(name, ref::get);
                metrics.bindDriftChecks(name, check -> findings.of(name)
                        .flatMap(s -> s.findings().stream().filter(f -> f.check() == check && f.known()).findFirst())
                        .map(f -> f.drift() ? 1.0 : 0.0).orElse(Double.NaN));
            }
        }
    }

    /** Hosts another controller reconciles from now on: it exports their gauges. */
    public void unexport(Collection<String> names) {
        for (String name : names) {
            if (exported.remove(name)) {
                metrics.unbindHost(name);
            }
        }
    }

    /**
     * Follows a change that the controller reconciling the host reported, and publishes it
     * nowhere, since that controller already did. Callers apply it to hosts reconciled elsewhere.
     */
    public void mirror(String name, UnaryOperator<HostStatus> change) {
        AtomicReference<HostStatus> ref = hosts.get(name);
        if (ref != null) {
            ref.updateAndGet(change);
        }
    }

    /** The managed hosts, in name order: an unmodifiable snapshot, replaced whole when a commit changes them. */
    public Set<String> names() {
        return managed;
    }

    private static java.util.SortedSet<String> sorted(Set<String> names) {
        return java.util.Collections.unmodifiableSortedSet(new TreeSet<>(names));
    }

    public boolean manages(String name) {
        return managed.contains(name);
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

    /**
     * Makes a commit's generations the desired state of the hosts it names; the state changes
     * of hosts reconciled here are published, the others' are their own controllers' to report.
     */
    public void promote(Map<String, Desired> desired, Duties duties) {
        desired.forEach((name, d) -> {
            if (!hosts.containsKey(name)) {
                return;
            }
            if (duties.owns(name)) {
                update(name, s -> s.withDesired(d));
            } else {
                mirror(name, s -> s.withDesired(d));
            }
        });
    }

    static Deployment toDeployment(HistoryEntry e) {
        Deployment.Result result = switch (e.kind()) {
            case HistoryEntry.DEPLOYED -> Deployment.Result.SUCCEEDED;
            case HistoryEntry.ROLLED_BACK -> Deployment.Result.ROLLED_BACK;
            default -> Deployment.Result.FAILED;
        };
        return new Deployment(e.commit(), e.path(), result, e.generation(), e.at(), e.at(), e.message(), e.cause());
    }
}
