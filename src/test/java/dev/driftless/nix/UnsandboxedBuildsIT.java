package dev.driftless.nix;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.driftless.testing.DriftlessProcess;
import dev.driftless.testing.FleetFixture;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The packaged application: a process that builds commits refuses to start without nix, or
 * unsandboxed unless told so knowingly. The checks run while the rest of the start-up does.
 */
class UnsandboxedBuildsIT {

    @Test
    void aBuilderWithTheSandboxTurnedOffRefusesToStartAndSaysHowToOptOut() {
        try (FleetFixture fleet = new FleetFixture()) {
            Map<String, String> config = new LinkedHashMap<>(fleet.config());
            config.put("driftless.nix.options", "substituters =,sandbox = false");
            try (DriftlessProcess app = DriftlessProcess.launch(config, "unsandboxed-refused")) {
                int exit = app.awaitExit(Duration.ofSeconds(60));
                assertNotEquals(0, exit);
                assertTrue(app.log().contains("sets `sandbox = false`"), app.log());
                assertTrue(app.log().contains("driftless.nix.allow-unsandboxed=true"), app.log());
            }
        }
    }

    @Test
    void anOperatorWhoOptsOutKnowinglyGetsAControllerThatSaysWhatItRisks() {
        try (FleetFixture fleet = new FleetFixture()) {
            Map<String, String> config = new LinkedHashMap<>(fleet.config());
            config.put("driftless.nix.options", "substituters =,sandbox = false");
            config.put("driftless.nix.allow-unsandboxed", "true");
            try (DriftlessProcess app = DriftlessProcess.start(config, "unsandboxed-allowed")) {
                assertTrue(app.log().contains("builds may run without Nix's sandbox"), app.log());
            }
        }
    }

    @Test
    void withoutNixOnItsPathItRefusesToStartAndSaysWhatToInstall() {
        try (FleetFixture fleet = new FleetFixture();
                DriftlessProcess app = DriftlessProcess.launch(fleet.config(), "nix-missing", Map.of("PATH", "/nonexistent"))) {
            int exit = app.awaitExit(Duration.ofSeconds(60));
            assertNotEquals(0, exit);
            assertTrue(app.log().contains("install Nix 2.8 or newer"), app.log());
            assertFalse(app.log().contains("started in"), app.log());
        }
    }
}
