package dev.driftless.host.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class SshControlTest {

    @Test
    void deepDataDirectoryPutsTheBaseInOneDirectoryPerUserUnderTheTempDirWhereSocketPathsFit() {
        Path shallow = Path.of("/var/lib/driftless/ssh/control");
        assertEquals(shallow, SshControl.base(shallow));
        Path deep = Path.of("/home/someone/.local/share/driftless/ssh/control");
        Path base = SshControl.base(deep);
        assertTrue(base.startsWith(System.getProperty("java.io.tmpdir")), base.toString());
        assertTrue(base.toString().length() <= ControlDir.maxBaseLength(), base.toString());
        assertEquals(base, SshControl.base(Path.of("/home/someone/elsewhere/.local/share/driftless/ssh/control")),
                "one base for the user's deep data dirs, so that starts leave no directories of their own in the temp dir");
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
