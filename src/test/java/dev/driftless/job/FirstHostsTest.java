package dev.driftless.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class FirstHostsTest {

    @Test
    void aHostFileNamesItsHost() {
        assertEquals(List.of("hosts", "web1"), FirstHosts.guess(List.of("hosts/web1.nix")));
    }

    @Test
    void aHostDirectoryNamesItsHostBeforeItsFiles() {
        assertEquals(List.of("machines", "db1", "hardware", "default"),
                FirstHosts.guess(List.of("machines/db1/hardware.nix", "machines/db1/default.nix")));
    }

    @Test
    void namesKeepTheOrderOfThePathsAndComeOnce() {
        assertEquals(List.of("hosts", "b", "a", "flake.lock"), FirstHosts.guess(List.of("hosts/b.nix", "hosts/a.nix", "flake.lock", "hosts/b.nix")));
    }

    @Test
    void aCommitTouchingManyFilesGivesAtMostTheLimit() {
        List<String> paths = IntStream.range(0, 500).mapToObj(i -> "hosts/h" + i + ".nix").toList();
        List<String> names = FirstHosts.guess(paths);
        assertEquals(FirstHosts.MOST, names.size());
        assertEquals("h0", names.get(1));
    }

    @Test
    void aFirstCommitOrAnUnreadableOneGivesNoOrder() {
        assertTrue(FirstHosts.guess(List.of()).isEmpty());
    }
}
