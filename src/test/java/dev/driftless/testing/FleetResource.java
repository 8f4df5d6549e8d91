package dev.driftless.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/** Gives a {@code @QuarkusTest} a fresh real fleet; tests reach it through {@link #fixture()}. */
public class FleetResource implements QuarkusTestResourceLifecycleManager {

    private static FleetFixture fixture;

    public static FleetFixture fixture() {
        return fixture;
    }

    @Override
    public Map<String, String> start() {
        fixture = new FleetFixture();
        return fixture.config();
    }

    @Override
    public void stop() {
        if (fixture != null) {
            fixture.close();
        }
    }
}
