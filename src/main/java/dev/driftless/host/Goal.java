package dev.driftless.host;

import java.util.Arrays;
import java.util.Locale;

/**
 * How a host takes a new generation, as {@code nixos-rebuild}'s actions: {@code switch} activates
 * it and makes it the boot default; {@code boot} makes it the boot default, to run after the next
 * reboot; {@code test} activates it without making it the boot default, so a reboot returns the
 * host to its profile.
 */
public enum Goal {
    SWITCH, BOOT, TEST;

    /** The argument of {@code switch-to-configuration}. */
    public String action() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Whether the generation becomes the system profile's, and so the next boot's. */
    public boolean setsProfile() {
        return this != TEST;
    }

    /** Whether the generation runs once this goal is reached. */
    public boolean activates() {
        return this != BOOT;
    }

    public static Goal of(String text) {
        return Arrays.stream(values()).filter(g -> g.action().equals(text.strip().toLowerCase(Locale.ROOT))).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("goal must be switch, boot or test, not " + text));
    }
}
