package dev.driftless.nix;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class NixSettingsTest {

    @Test
    void userOptionsComeLastSoTheyWinOverTheInheritedConfig() {
        assertEquals("sandbox = true\nextra-experimental-features = nix-command flakes\nsandbox = false\nsubstituters =",
                NixSettings.nixConfig("sandbox = true\n", List.of("sandbox = false", " substituters =")));
    }

    @Test
    void flakesAreOnEvenWithoutAnInheritedConfig() {
        assertEquals("extra-experimental-features = nix-command flakes", NixSettings.nixConfig(null, List.of()));
    }
}
