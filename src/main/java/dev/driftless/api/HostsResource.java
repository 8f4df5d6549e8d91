package dev.driftless.api;

import dev.driftless.fleet.Duties;
import dev.driftless.fleet.Fleet;
import dev.driftless.fleet.FleetInventory;
import dev.driftless.fleet.FleetStore;
import dev.driftless.fleet.HistoryEntry;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.List;

@Path("/api/v1/hosts")
@Produces(MediaType.APPLICATION_JSON)
public class HostsResource {

    private final Fleet fleet;
    private final FleetStore store;
    private final Duties duties;

    private final FleetInventory inventory;

    private final dev.driftless.fleet.DriftFindings findings;

    private final HostListJson list;

    HostsResource(Fleet fleet, FleetStore store, Duties duties, FleetInventory inventory, dev.driftless.fleet.DriftFindings findings,
            HostListJson list) {
        this.list = list;
        this.findings = findings;
        this.inventory = inventory;
        this.fleet = fleet;
        this.store = store;
        this.duties = duties;
    }

    @GET
    @org.eclipse.microprofile.openapi.annotations.responses.APIResponse(responseCode = "200", description = "every host, in the list view",
            content = @org.eclipse.microprofile.openapi.annotations.media.Content(mediaType = MediaType.APPLICATION_JSON,
                    schema = @org.eclipse.microprofile.openapi.annotations.media.Schema(
                            type = org.eclipse.microprofile.openapi.annotations.enums.SchemaType.ARRAY, implementation = HostView.class)))
    public byte[] hosts() throws com.fasterxml.jackson.core.JsonProcessingException {
        return list.write(fleet.all().stream().map(s -> new HostListJson.Shown(s, duties.owns(s.name()), inventory.find(s.name()).orElse(null),
                findings.of(s.name()).orElse(null))).toList());
    }

    @GET
    @Path("/{name}")
    public HostView host(@PathParam("name") String name) {
        return fleet.get(name).map(s -> HostView.of(s, duties.owns(s.name()), inventory.find(s.name()).orElse(null), findings.of(s.name()).orElse(null))).orElseThrow(() -> unknown(name));
    }

    /** Newest first: deployments, rollbacks and drift, as stored. */
    @GET
    @Path("/{name}/history")
    public List<HistoryEntry> history(@PathParam("name") String name, @QueryParam("limit") @DefaultValue("100") int limit) {
        fleet.get(name).orElseThrow(() -> unknown(name));
        return store.history(name, Math.max(1, Math.min(limit, 1000)));
    }

    private static NotFoundException unknown(String name) {
        return new NotFoundException("no host named " + name + "; hosts are configured with driftless.hosts.<name>.target");
    }
}
