package dev.driftless.api;

import dev.driftless.fleet.FleetStore;
import dev.driftless.fleet.Incident;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.time.Instant;
import java.util.List;

@Path("/api/v1/incidents")
@Produces(MediaType.APPLICATION_JSON)
public class IncidentsResource {

    private final FleetStore store;

    IncidentsResource(FleetStore store) {
        this.store = store;
    }

    public record IncidentView(long id, String host, String cause, Instant openedAt, Instant closedAt, Double recoverySeconds,
            String commit, String message) {}

    /** Newest first, open and closed; {@code ?host=} narrows to one host. */
    @GET
    public List<IncidentView> incidents(@QueryParam("host") String host, @QueryParam("limit") @DefaultValue("100") int limit) {
        return store.incidents(host, Math.max(1, Math.min(limit, 1000))).stream().map(IncidentsResource::view).toList();
    }

    private static IncidentView view(Incident i) {
        return new IncidentView(i.id(), i.host(), i.cause(), i.openedAt(), i.closedAt(),
                i.duration() == null ? null : i.duration().toMillis() / 1000.0, i.commit(), i.message());
    }
}
