package dev.driftless.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.HashMap;
import java.util.Map;

/** A real fleet whose repository is polled only once an hour, so that only webhooks make it fetch. */
public class WebhookFleetResource implements QuarkusTestResourceLifecycleManager {

    public static final Map<String, String> SECRETS = Map.of(
            "github", "gh-secret-5e1f", "gitea", "gitea-secret-77aa", "gitlab", "gitlab-token-9c0d", "generic", "generic-secret-41b2");

    private static FleetFixture fixture;

    public static FleetFixture fixture() {
        return fixture;
    }

    @Override
    public Map<String, String> start() {
        fixture = new FleetFixture();
        Map<String, String> config = new HashMap<>(fixture.config());
        config.put("driftless.git.poll-interval", "1h");
        SECRETS.forEach((provider, secret) -> config.put("driftless.webhook." + provider + ".secret", secret));
        config.put("driftless.webhook.max-body-bytes", "65536");
        return config;
    }

    @Override
    public void stop() {
        if (fixture != null) {
            fixture.close();
        }
    }
}
