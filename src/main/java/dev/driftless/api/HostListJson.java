package dev.driftless.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.driftless.fleet.DriftFindings;
import dev.driftless.host.HostStatus;
import dev.driftless.inventory.HostSettings;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.ByteArrayOutputStream;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The fleet's list as JSON, each host's entry written once per change of what it shows, the way
 * the Kubernetes API server keeps objects serialized for its watchers. Everything an entry shows
 * is an immutable value replaced on change, so an entry is current while the same instances are
 * in place. On 10,000 hosts, writing every entry on every GET took most of its 200 ms.
 */
@ApplicationScoped
class HostListJson {

    /** What one host's entry was written from, and the entry. */
    private record Entry(HostStatus status, boolean owned, HostSettings settings, DriftFindings.Snapshot found, byte[] json) {
        boolean writtenFrom(Shown s) {
            return status == s.status() && owned == s.owned() && settings == s.settings() && found == s.found();
        }
    }

    /** What the list shows of one host. */
    record Shown(HostStatus status, boolean owned, HostSettings settings, DriftFindings.Snapshot found) {}

    private final ObjectMapper json;
    private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();

    HostListJson(ObjectMapper json) {
        this.json = json;
    }

    /** The JSON array of {@code hosts}' list entries, as {@code List<HostView>} would be written. */
    byte[] write(List<Shown> hosts) throws JsonProcessingException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(2, hosts.size() * 1100));
        Set<String> names = new HashSet<>();
        out.write('[');
        for (Shown host : hosts) {
            String name = host.status().name();
            names.add(name);
            Entry entry = entries.get(name);
            if (entry == null || !entry.writtenFrom(host)) {
                HostView view = HostView.of(host.status(), host.owned(), host.settings(), host.found(), false);
                entry = new Entry(host.status(), host.owned(), host.settings(), host.found(), json.writeValueAsBytes(view));
                entries.put(name, entry);
            }
            if (out.size() > 1) {
                out.write(',');
            }
            out.writeBytes(entry.json());
        }
        out.write(']');
        entries.keySet().retainAll(names); // hosts gone from the fleet
        return out.toByteArray();
    }
}
