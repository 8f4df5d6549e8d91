package dev.driftless.api;

import dev.driftless.fleet.FleetStore;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.List;

@Path("/api/v1/commits")
@Produces(MediaType.APPLICATION_JSON)
public class CommitsResource {

    private final FleetStore store;

    CommitsResource(FleetStore store) {
        this.store = store;
    }

    /** Newest first, with each commit's status and, when it failed, why. */
    @GET
    public List<CommitView> commits(@QueryParam("limit") @DefaultValue("50") int limit) {
        return store.commits(Math.max(1, Math.min(limit, 1000))).stream().map(CommitView::of).toList();
    }
}
