package dev.driftless.nix;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class NixSettingsTest {

    @Test
    void userOptionsComeLastSoTheyWinOverTheInheritedConfig() {
        String config = NixSettings.nixConfig("substituters = https://a\n", List.of(" substituters ="));
        assertTrue(config.startsWith("substituters = https://a\n"), config);
        assertTrue(config.endsWith("\nsubstituters ="), config);
    }

    @Test
    void flakesAreOnEvenWithoutAnInheritedConfig() {
        assertTrue(NixSettings.nixConfig(null, List.of()).startsWith("extra-experimental-features = nix-command flakes\n"));
    }
}
