package dev.driftless.nix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.driftless.exec.ProcessResult;
import dev.driftless.exec.ProcessRunner;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * What an evaluation tells as it goes, with the real nix: every host's drvPath on stderr the
 * moment it is evaluated, the hosts asked for first before the others, and the same drvPaths in
 * the JSON at the end.
 */
class EvaluationProgressTest {

    private static final String FLAKE = "{ nixosConfigurations = {"
            + " a = { config.system.build.toplevel.drvPath = \"/nix/store/aaa-a.drv\"; };"
            + " b = { config.system.build.toplevel.drvPath = \"/nix/store/bbb-b.drv\"; };"
            + " c = { config.system.build.toplevel.drvPath = \"/nix/store/ccc-c.drv\"; }; }; }";

    private static List<String> found(String expr, StringBuilder stdout) {
        List<String> seen = new CopyOnWriteArrayList<>();
        Nix.Progress progress = new Nix.Progress(List.of(), (host, drv) -> seen.add(host + " " + drv));
        ProcessResult result = ProcessRunner.run(List.of("nix-instantiate", "--eval", "--strict", "--json", "--expr", expr), Map.of(),
                Duration.ofSeconds(60), null, line -> NixCli.found(line, progress));
        assertEquals(0, result.exitCode(), result.stderr());
        assertFalse(result.stderr().contains("driftless-drv"), "traced drvPaths are not kept as stderr: " + result.stderr());
        stdout.append(result.stdout().strip());
        return seen;
    }

    @Test
    void theHostsAskedForFirstAreEvaluatedFirstThenTheRestByName() {
        StringBuilder out = new StringBuilder();
        List<String> seen = found("(" + NixCli.EVALUATE + ") (" + NixCli.TOPLEVEL_DRVS + ") [ \"c\" \"nosuchhost\" ] " + FLAKE, out);
        assertEquals(List.of("c /nix/store/ccc-c.drv", "a /nix/store/aaa-a.drv", "b /nix/store/bbb-b.drv"), seen);
        assertTrue(out.toString().startsWith("{\"drvs\":{\"a\":\"/nix/store/aaa-a.drv\",\"b\":\"/nix/store/bbb-b.drv\",\"c\":\"/nix/store/ccc-c.drv\"}"),
                out.toString());
    }

    @Test
    void withNothingAskedForTheHostsComeByName() {
        List<String> seen = found("(" + NixCli.EVALUATE + ") (" + NixCli.TOPLEVEL_DRVS + ") [ ] " + FLAKE, new StringBuilder());
        assertEquals(List.of("a /nix/store/aaa-a.drv", "b /nix/store/bbb-b.drv", "c /nix/store/ccc-c.drv"), seen);
    }

    @Test
    void oneOfSeveralProcessesEvaluatesInItsOwnOrder() {
        StringBuilder out = new StringBuilder();
        List<String> seen = found("(" + EvalShares.apply(0, 2, List.of("c")) + ") " + FLAKE + ".nixosConfigurations", out);
        assertEquals(List.of("c /nix/store/ccc-c.drv", "b /nix/store/bbb-b.drv", "a /nix/store/aaa-a.drv"), seen);
        assertEquals("{\"a\":\"/nix/store/aaa-a.drv\",\"b\":\"/nix/store/bbb-b.drv\",\"c\":\"/nix/store/ccc-c.drv\"}", out.toString());
    }

    @Test
    void onlyATracedDrvPathIsTakenAndAHostNameMayHoldSpaces() {
        List<String> seen = new CopyOnWriteArrayList<>();
        Nix.Progress progress = new Nix.Progress(List.of(), (host, drv) -> seen.add(host + "|" + drv));
        assertTrue(NixCli.found("trace: driftless-drv odd name /nix/store/x-odd.drv", progress));
        assertFalse(NixCli.found("trace: something else", progress));
        assertFalse(NixCli.found("error: attribute 'x' missing", progress));
        assertTrue(NixCli.found("trace: driftless-drv h not-a-store-path", progress), "ours, but malformed: dropped, not passed on");
        assertEquals(List.of("odd name|/nix/store/x-odd.drv"), seen);
    }

    @Test
    void hostsAskedForFirstComeAheadOfTheRestWhichKeepTheirNameOrder() {
        assertEquals(List.of("web9", "db1", "web1"), EvalShares.firstThenByName(List.of("web1", "web9", "db1"), List.of("web9", "hosts")));
    }
}
