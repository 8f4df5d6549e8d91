package dev.driftless.host.health;

import dev.driftless.config.DriftlessConfig;
import dev.driftless.secret.Redaction;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.interceptor.Interceptor;
import java.util.List;
import java.util.Map;

/**
 * Every host's health checks, built once at start: a check that is wrong stops the start with a
 * message naming the host, the check and its fields, before any host is reconciled.
 */
@Startup(Interceptor.Priority.PLATFORM_BEFORE)
@ApplicationScoped
public class HealthChecks {

    private final Map<String, List<HealthCheck>> byHost;
    private final UrlProbe http = new UrlProbe();

    HealthChecks(DriftlessConfig config) {
        this.byHost = CheckLists.forFleet(config);
        // A URL's credentials are masked in every log line and message from now on, whoever prints them.
        byHost.values().stream().flatMap(List::stream).filter(HealthCheck.Url.class::isInstance)
                .forEach(check -> Redaction.registerUrl(((HealthCheck.Url) check).url().toString()));
    }

    /** The runner of {@code host}'s checks; one with no checks for a host it does not know. */
    public CheckRunner of(String host) {
        return new CheckRunner(byHost.getOrDefault(host, List.of()), http);
    }
}
