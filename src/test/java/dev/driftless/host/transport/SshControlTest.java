package dev.driftless.host.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class SshControlTest {

    @Test
    void deepDataDirectoryPutsTheBaseUnderTheTempDirWhereSocketPathsFit() {
        Path shallow = Path.of("/var/lib/driftless/ssh/control");
        assertEquals(shallow, SshControl.base(shallow));
        Path deep = Path.of("/home/someone/.local/share/driftless/ssh/control");
        Path base = SshControl.base(deep);
        assertTrue(base.startsWith(System.getProperty("java.io.tmpdir")), base.toString());
        assertTrue(base.toString().length() <= ControlDir.maxBaseLength(), base.toString());
        assertEquals(base, SshControl.base(deep), "the same installation finds the same base again");
        assertNotEquals(base, SshControl.base(Path.of("/home/other/.local/share/driftless/ssh/control")));
    }

    @Test
    void chosenControlDirectoryTooLongForSocketPathsIsRefusedAtStart() {
        Path fits = Path.of("/run/driftless/ssh");
        assertEquals(fits, SshControl.configured(fits));
        Path deep = Path.of("/home/someone/.local/share/driftless/ssh/control");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> SshControl.configured(deep));
        assertTrue(e.getMessage().contains("driftless.ssh.control-dir " + deep), e.getMessage());
    }
}
