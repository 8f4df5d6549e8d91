package dev.driftless.api;

import dev.driftless.fleet.Duties;
import dev.driftless.fleet.Fleet;
import dev.driftless.host.reconcile.HostRequests;
import dev.driftless.host.reconcile.ReconcileScheduler;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.Map;

/** Actions on one host. They are queued on the host's own loop, so they never race a deployment. */
@Path("/api/v1/hosts/{name}")
@Produces(MediaType.APPLICATION_JSON)
public class HostActionsResource {

    private final Fleet fleet;
    private final HostRequests requests;
    private final ReconcileScheduler scheduler;
    private final Duties duties;

    HostActionsResource(Fleet fleet, HostRequests requests, ReconcileScheduler scheduler, Duties duties) {
        this.fleet = fleet;
        this.duties = duties;
        this.requests = requests;
        this.scheduler = scheduler;
    }

    /** Reconciles now, retrying a generation that failed before (its quarantine ends) and releasing a rollback hold. */
    @POST
    @Path("/sync")
    public Response sync(@PathParam("name") String name) {
        known(name);
        if (!fleet.manages(name)) {
            return unmanaged(name);
        }
        if (!duties.owns(name)) {
            return elsewhere(name);
        }
        requests.sync(name);
        scheduler.wakeNow(name);
        return accepted(name, "sync", "the host is reconciled now; watch GET /api/v1/hosts/" + name);
    }

    /**
     * Rolls the host back to the generation it ran before its last deployment (else the profile's
     * previous one) and holds it there until a sync or a new commit. The request is durable: a
     * restart before the host's loop carries it out does not lose it.
     */
    @POST
    @Path("/rollback")
    public Response rollback(@PathParam("name") String name) {
        known(name);
        if (!fleet.manages(name)) {
            return unmanaged(name);
        }
        if (!duties.owns(name)) {
            return elsewhere(name);
        }
        requests.rollback(name);
        scheduler.wakeNow(name);
        return accepted(name, "rollback", "the host is rolled back to the generation it ran before its last deployment and held there; POST sync to resume");
    }

    private void known(String name) {
        fleet.get(name).orElseThrow(() -> new NotFoundException("no host named " + name));
    }

    /** Several controllers share the fleet and another one reconciles this host; only it may act on it. */
    private static Response elsewhere(String host) {
        return Response.status(Response.Status.CONFLICT).entity(Map.of("host", host, "message", "another controller reconciles "
                + host + "; send the request to the controller whose /api/v1/hosts shows it with \"owned\": true")).build();
    }

    /** The host left the inventory: Driftless no longer acts on it until a commit declares it again. */
    private static Response unmanaged(String host) {
        return Response.status(Response.Status.CONFLICT).entity(Map.of("host", host, "message", host + " is not in the fleet's inventory:"
                + " Driftless left it running what it runs and does not act on it; declare it in the flake (or driftless.hosts."
                + host + ".target) to manage it again")).build();
    }

    private static Response accepted(String host, String action, String message) {
        return Response.accepted(Map.of("host", host, "action", action, "message", message)).build();
    }
}
