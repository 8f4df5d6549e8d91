package dev.driftless.fleet;

import dev.driftless.event.HostEvent;
import dev.driftless.host.DriftCause;
import dev.driftless.metrics.DriftlessMetrics;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Opens an incident when a host leaves InSync for any cause but a new commit, and closes it
 * when the host is InSync again. Incidents are stored, so one open across a restart still
 * closes, and its recovery time still counts.
 */
@ApplicationScoped
public class Incidents {

    private static final Logger LOG = Logger.getLogger(Incidents.class);

    private final FleetStore store;
    private final DriftlessMetrics metrics;
    private final HostEvents events;

    // No cache of open incidents: when controllers share a fleet, one may have been opened or
    // closed by the host's previous controller, and only the store, which follows it, knows.
    Incidents(FleetStore store, DriftlessMetrics metrics, HostEvents events) {
        this.store = store;
        this.metrics = metrics;
        this.events = events;
    }

    /** Opens one for the host unless one is open already; a new-commit drift is not an incident. */
    public void opened(String host, DriftCause cause, String commit, String message) {
        if (cause == DriftCause.NEW_COMMIT || store.openIncident(host).isPresent()) {
            return;
        }
        Incident incident = store.openIncident(host, cause.label(), Instant.now(), commit, message);
        metrics.incident(host, cause.label());
        LOG.warnf("host %s commit %.12s: incident %d opened (%s): %s", host, commit, incident.id(), cause.label(), message);
        Map<String, Object> data = data(incident, "message", message);
        if (cause.deep()) {
            data.put("check", cause.label()); // notifications name the deep check; the message carries its evidence
        }
        events.publish(HostEvent.of(HostEvent.INCIDENT_OPENED, host, commit, data));
    }

    /** Closes the host's open incident, if any, and records how long recovery took. */
    public void recovered(String host, String commit) {
        Incident incident = store.openIncident(host).orElse(null);
        if (incident == null) {
            return;
        }
        Instant now = Instant.now();
        store.closeIncident(incident.id(), now);
        Incident closed = new Incident(incident.id(), host, incident.cause(), incident.openedAt(), now, incident.commit(), incident.message());
        metrics.recovery(closed.duration());
        LOG.infof("host %s commit %.12s: incident %d closed after %d s (%s)", host, commit, closed.id(),
                closed.duration().toSeconds(), closed.cause());
        events.publish(HostEvent.of(HostEvent.INCIDENT_CLOSED, host, commit,
                data(closed, "recoverySeconds", closed.duration().toMillis() / 1000.0)));
    }

    public Optional<Incident> openFor(String host) {
        return store.openIncident(host);
    }

    private static Map<String, Object> data(Incident incident, String key, Object value) {
        Map<String, Object> data = new HashMap<>();
        data.put("incident", incident.id());
        data.put("cause", incident.cause());
        data.put("openedAt", incident.openedAt().toString());
        if (value != null) {
            data.put(key, value);
        }
        return data;
    }
}
