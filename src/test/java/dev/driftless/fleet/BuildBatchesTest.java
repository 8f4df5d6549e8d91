package dev.driftless.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class BuildBatchesTest {

    private static Map<String, String> hosts(int n) {
        Map<String, String> hosts = new TreeMap<>();
        for (int i = 1; i <= n; i++) {
            hosts.put(String.format("h%03d", i), "/nix/store/x-h" + i + ".drv");
        }
        return hosts;
    }

    @Test
    void aCommitsChangedHostsAreCutIntoBatchesOfAtMostTheSizeInNameOrder() {
        List<Map<String, String>> batches = RolloutCoordinator.batches(hosts(250), 100);
        assertEquals(List.of(100, 100, 50), batches.stream().map(Map::size).toList());
        assertEquals("h001", batches.get(0).keySet().iterator().next());
        assertEquals("h201", batches.get(2).keySet().iterator().next());
        assertEquals(hosts(250), batches.stream().collect(TreeMap::new, Map::putAll, Map::putAll), "every host once");
    }

    @Test
    void fewerHostsThanABatchAreOneBuildAndNoHostsNone() {
        assertEquals(List.of(hosts(3)), RolloutCoordinator.batches(hosts(3), 100));
        assertEquals(List.of(), RolloutCoordinator.batches(Map.of(), 100));
        assertEquals(3, RolloutCoordinator.batches(hosts(3), 1).size());
    }
}
