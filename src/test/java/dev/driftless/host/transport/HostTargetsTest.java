package dev.driftless.host.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HostTargetsTest {

    @Test
    void everyTargetIsParsedOnceAtStart() {
        Map<String, HostTarget> parsed = HostTargets.parseAll(Map.of("web1", "ssh://root@web1:2222", "box", "local:/srv/box"));
        assertEquals(new HostTarget.Ssh("root", "web1", 2222), parsed.get("web1"));
        assertEquals(new HostTarget.Local(Path.of("/srv/box")), parsed.get("box"));
    }

    @Test
    void badTargetsStopTheStartNamingEachHostAndNoPassword() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HostTargets.parseAll(Map.of(
                "web1", "ssh://root@web1",
                "db1", "ssh://-oProxyCommand=reboot@db1",
                "cache1", "ssh://ops:hunter2@cache1")));
        String message = e.getMessage();
        assertTrue(message.contains("driftless.hosts.db1.target: target 'ssh://-oProxyCommand=reboot@db1'"), message);
        assertTrue(message.contains("driftless.hosts.cache1.target: target 'ssh://ops:***@cache1' holds a password"), message);
        assertFalse(message.contains("web1"), "a good target is not blamed: " + message);
        assertFalse(message.contains("hunter2"), message);
    }
}
