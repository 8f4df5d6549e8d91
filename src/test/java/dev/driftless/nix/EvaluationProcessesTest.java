package dev.driftless.nix;

import static dev.driftless.testing.Shell.sh;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.driftless.config.DriftlessConfig;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A commit evaluated by several nix processes at once, with the real nix: the same drvPaths as one
 * process, each host heard of once, and a host that does not evaluate fails the commit with its error.
 */
class EvaluationProcessesTest {

    @TempDir
    Path dir;

    private NixCli nix(int processes) {
        DriftlessConfig config = new SmallRyeConfigBuilder().withMapping(DriftlessConfig.class)
                .withConverter(Duration.class, 200, new DurationConverter())
                .withSources(new PropertiesConfigSource(Map.of("driftless.git.url", "file:///srv/fleet", "driftless.data-dir",
                        dir.resolve("data" + processes).toString(), "driftless.nix.eval-processes", String.valueOf(processes),
                        "driftless.nix.options", "substituters =,extra-sandbox-paths = /bin /usr /lib /lib64"), "test", 500))
                .build().getConfigMapping(DriftlessConfig.class);
        return new NixCli(new NixSettings(config), config);
    }

    /** A committed flake of {@code hosts} (a toplevel derivation each, one maybe broken); its locked ref. */
    private String flake(int hosts, String broken) throws Exception {
        String flake = "{ outputs = { self }: { nixosConfigurations = builtins.listToAttrs (builtins.genList (i: let n = \"h${toString i}\"; in {"
                + " name = n; value.config.system.build.toplevel = if n == \"" + broken + "\" then throw \"" + broken + " has no boot loader\""
                + " else derivation { name = n; system = \"x86_64-linux\"; builder = \"/bin/sh\"; args = [ \"-c\" \"echo > $out\" ]; }; })"
                + " " + hosts + "); }; }";
        String repo = "repo-" + broken;
        sh(dir, "git init -q -b main \"$2\" && cd \"$2\" && printf '%s' \"$1\" > flake.nix && git add -A && git commit -q -m one", flake, repo);
        return "git+file://" + dir.resolve(repo) + "?ref=refs/heads/main&rev=" + sh(dir.resolve(repo), "git rev-parse HEAD");
    }

    @Test
    void threeProcessesFindWhatOneFindsAndTellEachHostOnce() throws Exception {
        String ref = flake(7, "none");
        List<String> heard = new CopyOnWriteArrayList<>();
        Nix.Evaluation three = nix(3).evaluate(ref, new Nix.Progress(List.of("h5"), (host, drv) -> heard.add(host)));
        Nix.Evaluation one = nix(1).evaluate(ref, Nix.Progress.NONE);
        assertEquals(7, one.drvPaths().size(), one.drvPaths().toString());
        assertEquals(one.drvPaths(), three.drvPaths());
        assertEquals(7, heard.size(), "each host once: " + heard);
        assertEquals(7, heard.stream().distinct().count(), heard.toString());
    }

    @Test
    void aHostThatDoesNotEvaluateFailsTheCommitWithItsError() throws Exception {
        String ref = flake(5, "h3");
        NixFailure failure = assertThrows(NixFailure.class, () -> nix(2).evaluate(ref, Nix.Progress.NONE));
        assertTrue(failure.getMessage().contains("h3 has no boot loader"), failure.getMessage());
    }

    /**
     * A nix eval started ahead of a commit's evaluation ({@link NixCli#warmUp}) finds the same
     * drvPaths and progress as a fresh nix, a broken host fails it with the host's error, and one
     * that died while it waited is not blamed on the commit: a fresh nix evaluates it.
     */
    @Test
    void theEvaluatorStartedAheadFindsWhatAFreshOneFindsAndADeadOneIsReplaced() throws Exception {
        String good = flake(4, "none");
        String broken = flake(3, "h1");
        NixCli nix = nix(1);
        try {
            Nix.Evaluation fresh = nix.evaluate(good, Nix.Progress.NONE);
            nix.warmUp();
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(nix::spareWaiting);
            List<String> heard = new CopyOnWriteArrayList<>();
            assertEquals(fresh.drvPaths(), nix.evaluate(good, new Nix.Progress(List.of("h2"), (host, drv) -> heard.add(host))).drvPaths());
            assertEquals(List.of("h2", "h0", "h1", "h3"), heard, "the hosts asked for first come first");
            assertTrue(!nix.spareWaiting(), "the one started ahead was used");

            nix.warmUp();
            nix.warmUp(); // one at a time
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(nix::spareWaiting);
            NixFailure failure = assertThrows(NixFailure.class, () -> nix.evaluate(broken, Nix.Progress.NONE));
            assertTrue(failure.getMessage().contains("h1 has no boot loader"), failure.getMessage());

            nix.warmUp();
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(nix::spareWaiting);
            sh(dir, "pkill -KILL -f -n '^nix eval --json --file -$'"); // the newest: this test's spare
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> !nix.spareWaiting());
            assertEquals(fresh.drvPaths(), nix.evaluate(good, Nix.Progress.NONE).drvPaths());
        } finally {
            nix.close();
        }
        nix.warmUp();
        assertTrue(!nix.spareWaiting(), "none is started, or left running, once Driftless stops");
    }

    @Test
    void theNixThatEvaluatesRunsWithTheCollectorKeepingHalfItsHeapFree() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(System.getenv("GC_FREE_SPACE_DIVISOR") == null,
                "this test's environment sets GC_FREE_SPACE_DIVISOR, which is then passed on as it is");
        NixCli nix = nix(1);
        try {
            nix.warmUp();
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(nix::spareWaiting);
            String pid = sh(dir, "pgrep -f -n '^nix eval --json --file -$'");
            assertEquals("GC_FREE_SPACE_DIVISOR=2", sh(dir, "tr '\\0' '\\n' < /proc/\"$1\"/environ | grep '^GC_FREE_SPACE_DIVISOR='", pid));
        } finally {
            nix.close();
        }
    }
}
