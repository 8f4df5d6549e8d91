package dev.driftless.api;

import dev.driftless.source.GitWatcher;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready once the fleet repository has been fetched: before that, Driftless knows no desired state. */
@Readiness
@ApplicationScoped
public class RepositoryReadiness implements HealthCheck {

    private final GitWatcher watcher;

    RepositoryReadiness(GitWatcher watcher) {
        this.watcher = watcher;
    }

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("fleet-repository").status(watcher.fetched()).build();
    }
}
