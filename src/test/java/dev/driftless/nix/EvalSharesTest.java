package dev.driftless.nix;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.driftless.exec.ProcessResult;
import dev.driftless.exec.ProcessRunner;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EvalSharesTest {

    @Test
    void hostsAreDealtOutToAtMostTheProcessesNoneEmpty() {
        List<String> hosts = List.of("db1", "db2", "web1", "web2", "web3");
        assertEquals(List.of(List.of("db1", "web1", "web3"), List.of("db2", "web2")), EvalShares.deal(hosts, 2));
        assertEquals(List.of(List.of("db1"), List.of("db2")), EvalShares.deal(List.of("db1", "db2"), 8), "never an empty share");
        assertEquals(List.of(hosts), EvalShares.deal(hosts, 1));
        assertEquals(List.of(), EvalShares.deal(List.of(), 4));
    }

    @Test
    void eachProcessGoesThroughItsShareThenThroughTheOthersFromTheirFarEnd() {
        assertEquals(List.of(List.of("a", "c", "d", "b"), List.of("b", "d", "c", "a")),
                EvalShares.orders(List.of(List.of("a", "c"), List.of("b", "d"))));
        assertEquals(List.of(List.of("a", "d", "e", "b", "f", "c"), List.of("b", "e", "f", "c", "d", "a"), List.of("c", "f", "d", "a", "e", "b")),
                EvalShares.orders(List.of(List.of("a", "d"), List.of("b", "e"), List.of("c", "f"))), "the next process's share first");
        assertEquals(List.of(List.of("a", "b")), EvalShares.orders(List.of(List.of("a", "b"))));
        assertEquals(List.of(), EvalShares.orders(List.of()));
    }

    /** The function each process applies, evaluated by the real nix: only its share, by name, quoting and all. */
    @Test
    void aShareEvaluatesOnlyItsHostsToplevels() {
        String configs = "{ web1 = { config.system.build.toplevel.drvPath = \"/nix/store/a-web1.drv\"; };"
                + " \"odd\\\"name\" = { config.system.build.toplevel.drvPath = \"/nix/store/b-odd.drv\"; };"
                + " broken = throw \"never evaluated\"; }";
        String apply = EvalShares.apply(List.of("web1", "odd\"name"));
        ProcessResult result = ProcessRunner.run(List.of("nix-instantiate", "--eval", "--strict", "--json", "--expr",
                "(" + apply + ") " + configs), Map.of(), Duration.ofSeconds(60));
        assertEquals(0, result.exitCode(), result.stderr());
        assertEquals("{\"odd\\\"name\":\"/nix/store/b-odd.drv\",\"web1\":\"/nix/store/a-web1.drv\"}", result.stdout().strip());
    }

    @Test
    void withNoNumberConfiguredAFleetSlowToEvaluateIsSplitOverTheCoresAndAFastOneIsNot() {
        java.time.Duration slow = java.time.Duration.ofSeconds(3);
        assertEquals(1, EvalShares.processes(0, 4, null), "nothing known yet");
        assertEquals(1, EvalShares.processes(0, 4, new EvalShares.Last(500, java.time.Duration.ofMillis(120))), "fast enough in one");
        assertEquals(4, EvalShares.processes(0, 4, new EvalShares.Last(500, slow)));
        assertEquals(2, EvalShares.processes(0, 4, new EvalShares.Last(2, slow)), "never more processes than hosts");
        assertEquals(1, EvalShares.processes(0, 4, new EvalShares.Last(1, slow)));
        assertEquals(3, EvalShares.processes(3, 8, new EvalShares.Last(500, java.time.Duration.ofMillis(10))), "a configured number is kept");
    }
}
