package dev.driftless.api;

import dev.driftless.fleet.FleetStore;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Not ready while the state store refuses writes: the controller can then record no commit, no
 * deployment and no incident, so it cannot make progress, and says so rather than look healthy.
 */
@Readiness
@ApplicationScoped
public class StateStoreReadiness implements HealthCheck {

    private final FleetStore store;

    StateStoreReadiness(FleetStore store) {
        this.store = store;
    }

    @Override
    public HealthCheckResponse call() {
        var failing = store.failing();
        var response = HealthCheckResponse.named("state-store").status(failing.isEmpty());
        failing.ifPresent(why -> response.withData("lastWriteFailed", why));
        return response.build();
    }
}
