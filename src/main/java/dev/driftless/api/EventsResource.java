package dev.driftless.api;

import dev.driftless.event.HostEvent;
import dev.driftless.fleet.HostEvents;
import io.smallrye.mutiny.Multi;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.jboss.resteasy.reactive.RestStreamElementType;

@Path("/api/v1/events")
public class EventsResource {

    private final HostEvents events;

    EventsResource(HostEvents events) {
        this.events = events;
    }

    /** Host and deployment events as Server-Sent Events, each a CloudEvents 1.0 JSON object. */
    @GET
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @RestStreamElementType(MediaType.APPLICATION_JSON)
    public Multi<HostEvent> stream() {
        return events.stream();
    }
}
