package dev.driftless.host.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class HostTargetTest {

    @Test
    void localTargetNamesItsRootDirectory() {
        assertEquals(new HostTarget.Local(Path.of("/srv/hosts/web1")), HostTarget.parse("local:/srv/hosts/web1"));
        assertEquals(new HostTarget.Local(Path.of("/")), HostTarget.parse("local:/"));
    }

    @Test
    void relativeOrEmptyLocalTargetIsRefusedWithAnExample() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HostTarget.parse("local:hosts/web1"));
        assertTrue(e.getMessage().contains("local:/"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> HostTarget.parse("local:"));
    }

    @Test
    void unknownSchemeIsRefusedAndNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HostTarget.parse("ftp://web1"));
        assertTrue(e.getMessage().contains("ftp://web1"), e.getMessage());
    }
}
