package dev.driftless.host.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SshTransportTest {

    @Test
    void destinationAndCommandComeAfterDoubleDashSoSshNeverReadsThemAsOptions() {
        SshOptions options = new SshOptions(Path.of("/known_hosts"), null, Path.of("/control"), Duration.ofSeconds(3), Duration.ofSeconds(2));
        SshTransport transport = new SshTransport(new HostTarget.Ssh("root", "web1", 22), options, Map.of(), Duration.ofMinutes(1));
        List<String> argv = transport.argv("readlink -f /run/current-system");
        int end = argv.indexOf("--");
        assertEquals(List.of("--", "root@web1", "readlink -f /run/current-system"), argv.subList(end, argv.size()));
        assertEquals(-1, argv.subList(0, end).indexOf("root@web1"), "the destination appears only after --: " + argv);
    }
}
