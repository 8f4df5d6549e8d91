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

    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(HealthChecks.class);

    HealthChecks(DriftlessConfig config) {
        this.byHost = CheckLists.forFleet(config);
        byHost.forEach((host, checks) -> {
            DriftlessConfig.HostConfig settings = config.hosts().get(host);
            if (settings != null && settings.target().startsWith("ssh://")) {
                confirmWarning(host, checks, settings.confirmTimeout().orElse(config.deploy().confirmTimeout())).ifPresent(LOG::warn);
            }
        });
        // A URL's credentials are masked in every log line and message from now on, whoever prints them.
        byHost.values().stream().flatMap(List::stream).filter(HealthCheck.Url.class::isInstance)
                .forEach(check -> Redaction.registerUrl(((HealthCheck.Url) check).url().toString()));
    }

    /**
     * The checks run between a switch and its confirmation, so checks that may take longer than
     * the confirm timeout let the host's guard roll back a good generation: say so at start.
     */
    static java.util.Optional<String> confirmWarning(String host, List<HealthCheck> checks, java.time.Duration confirmTimeout) {
        java.time.Duration total = checks.stream().map(HealthCheck::timeout).reduce(java.time.Duration.ZERO, java.time.Duration::plus);
        if (total.compareTo(confirmTimeout) < 0) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of("host " + host + ": its checks may take up to " + total.toSeconds() + " s, which is not less than its confirm"
                + " timeout (" + confirmTimeout.toSeconds() + " s); a switch whose checks run that long is rolled back by the host's guard."
                + " Raise driftless.hosts." + host + ".confirm-timeout (or driftless.deploy.confirm-timeout) or shorten the checks' timeouts.");
    }

    /** The runner of {@code host}'s checks; one with no checks for a host it does not know. */
    public CheckRunner of(String host) {
        return new CheckRunner(byHost.getOrDefault(host, List.of()), http);
    }
}
