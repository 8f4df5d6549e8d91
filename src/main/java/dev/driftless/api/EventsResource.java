package dev.driftless.api;

import dev.driftless.event.HostEvent;
import dev.driftless.fleet.HostEvents;
import io.smallrye.mutiny.Multi;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.Map;
import org.jboss.resteasy.reactive.RestStreamElementType;

@Path("/api/v1/events")
public class EventsResource {

    private final HostEvents events;

    EventsResource(HostEvents events) {
        this.events = events;
    }

    /**
     * Host and deployment events as Server-Sent Events, each a CloudEvents 1.0 JSON object; 503
     * while {@code driftless.api.max-event-subscribers} streams are open already. A reader that
     * falls far behind sees its stream end, and may reconnect.
     */
    @GET
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @RestStreamElementType(MediaType.APPLICATION_JSON)
    public Multi<HostEvent> stream() {
        return events.subscribe().orElseThrow(() -> new WebApplicationException(Response.status(Response.Status.SERVICE_UNAVAILABLE)
                .header(HttpHeaders.RETRY_AFTER, "30")
                .type(MediaType.APPLICATION_JSON)
                .entity(Map.of("error", events.maxSubscribers() + " event streams are open already, the most this controller serves"
                        + " (driftless.api.max-event-subscribers); close one or try again later"))
                .build()));
    }
}
