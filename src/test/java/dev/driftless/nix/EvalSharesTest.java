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
    void eachProcessGoesThroughItsDealtShareThenThroughTheOthersFromTheFarEnd() {
        assertEquals(List.of(List.of("a", "c", "d", "b"), List.of("b", "d", "c", "a")), EvalShares.orders(List.of("a", "b", "c", "d"), 2));
        assertEquals(List.of(List.of("a", "d", "f", "e", "c", "b"), List.of("b", "e", "f", "d", "c", "a"), List.of("c", "f", "e", "d", "b", "a")),
                EvalShares.orders(List.of("a", "b", "c", "d", "e", "f"), 3));
        assertEquals(List.of(List.of("a", "b"), List.of("b", "a")), EvalShares.orders(List.of("a", "b"), 8), "never more processes than hosts");
        assertEquals(List.of(List.of("a", "b", "c")), EvalShares.orders(List.of("a", "b", "c"), 1));
        assertEquals(List.of(), EvalShares.orders(List.of(), 4));
    }

    /**
     * The function each process applies, evaluated by the real nix: every host in the order
     * {@link EvalShares#orders} gives that process (the hosts asked for first lead the list it
     * deals from, a name asked for that is no host is ignored), quoting and all.
     */
    @Test
    void nixEvaluatesEachProcessesHostsInTheOrderJavaComputes() {
        String configs = "{ web1 = { config.system.build.toplevel.drvPath = \"/nix/store/a-web1.drv\"; };"
                + " \"odd\\\"name\" = { config.system.build.toplevel.drvPath = \"/nix/store/b-odd.drv\"; };"
                + " db1 = { config.system.build.toplevel.drvPath = \"/nix/store/c-db1.drv\"; };"
                + " db2 = { config.system.build.toplevel.drvPath = \"/nix/store/d-db2.drv\"; };"
                + " web2 = { config.system.build.toplevel.drvPath = \"/nix/store/e-web2.drv\"; }; }";
        List<String> first = List.of("web2", "nosuchhost", "web2");
        List<String> all = EvalShares.firstThenByName(List.of("web1", "odd\"name", "db1", "db2", "web2"), first);
        List<List<String>> orders = EvalShares.orders(all, 2);
        for (int i = 0; i < orders.size(); i++) {
            List<String> traced = new java.util.concurrent.CopyOnWriteArrayList<>();
            Nix.Progress progress = new Nix.Progress(List.of(), (host, drv) -> traced.add(host));
            ProcessResult result = ProcessRunner.run(List.of("nix-instantiate", "--eval", "--strict", "--json", "--expr",
                    "(" + EvalShares.apply(i, orders.size(), first) + ") " + configs), Map.of(), Duration.ofSeconds(60), null,
                    line -> NixCli.found(line, progress));
            assertEquals(0, result.exitCode(), result.stderr());
            assertEquals(orders.get(i), traced, "process " + i);
            assertEquals("{\"db1\":\"/nix/store/c-db1.drv\",\"db2\":\"/nix/store/d-db2.drv\",\"odd\\\"name\":\"/nix/store/b-odd.drv\","
                    + "\"web1\":\"/nix/store/a-web1.drv\",\"web2\":\"/nix/store/e-web2.drv\"}", result.stdout().strip());
        }
        assertEquals(List.of("web2", "db2", "web1", "odd\"name", "db1"), orders.get(0));
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
