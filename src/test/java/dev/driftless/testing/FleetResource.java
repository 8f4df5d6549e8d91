package dev.driftless.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/**
 * Gives a {@code @QuarkusTest} a fresh real fleet; tests reach it through {@link #fixture()}. Init
 * arguments are added to the configuration, for a test class that needs a setting of its own.
 */
public class FleetResource implements QuarkusTestResourceLifecycleManager {

    private static FleetFixture fixture;
    private static NotificationReceiver receiver;
    private Map<String, String> extra = Map.of();

    @Override
    public void init(Map<String, String> args) {
        extra = Map.copyOf(args);
    }

    public static FleetFixture fixture() {
        return fixture;
    }

    public static NotificationReceiver receiver() {
        return receiver;
    }

    @Override
    public Map<String, String> start() {
        fixture = new FleetFixture();
        receiver = new NotificationReceiver();
        Map<String, String> config = new java.util.HashMap<>(fixture.config());
        config.put("driftless.notify.ops.url", receiver.url("/hook"));
        config.put("driftless.notify.chat.type", "slack");
        config.put("driftless.notify.chat.url", receiver.url("/slack"));
        config.put("driftless.notify.phone.type", "ntfy");
        config.put("driftless.notify.phone.url", receiver.url("/ntfy/driftless"));
        config.putAll(extra);
        return config;
    }

    @Override
    public void stop() {
        if (receiver != null) {
            receiver.close();
        }
        if (fixture != null) {
            fixture.close();
        }
    }
}
