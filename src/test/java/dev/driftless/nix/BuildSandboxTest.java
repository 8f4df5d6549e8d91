package dev.driftless.nix;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.driftless.exec.ProcessResult;
import dev.driftless.exec.ProcessRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class BuildSandboxTest {

    @ParameterizedTest(name = "{0} weakens the sandbox: {1}")
    @CsvSource(delimiter = '|', value = {
            "sandbox = false|true",
            "sandbox=relaxed|true",
            "build-use-sandbox = false|true",
            "sandbox-fallback = true|true",
            "allow-import-from-derivation = true|true",
            "sandbox = true|false",
            "substituters =|false",
            "extra-sandbox-paths = /bin /usr /lib /lib64|false",
            "allow-import-from-derivation = false|false"})
    void optionsThatTurnTheSandboxOffOrOptionalAreFound(String option, boolean weakens) {
        assertEquals(weakens ? Optional.of(option.strip()) : Optional.empty(), BuildSandbox.weakening(List.of("substituters =", option)));
    }

    @Test
    void theSandboxSettingsComeAfterTheInheritedConfigAndBeforeTheUsersOptions() {
        assertEquals("""
                sandbox = false
                extra-experimental-features = nix-command flakes
                sandbox = true
                sandbox-fallback = false
                allow-import-from-derivation = false
                substituters =""", NixSettings.nixConfig("sandbox = false\n", List.of(" substituters =")));
    }

    @Test
    void aProbeThatSeesTheDataDirectoryMeansExposedAndAnyOtherFailureMeansBroken() {
        assertEquals(BuildSandbox.Verdict.EXPOSED, BuildSandbox.judge(failed("> driftless-probe: /var/lib/driftless is visible to builds")).verdict());
        assertEquals(BuildSandbox.Verdict.ISOLATED, BuildSandbox.judge(failed("executing '/bin/sh': No such file or directory")).verdict());
        assertEquals(BuildSandbox.Verdict.BROKEN, BuildSandbox.judge(failed("error: cloning builder process: Operation not permitted")).verdict());
        assertEquals(BuildSandbox.Verdict.ISOLATED, BuildSandbox.judge(new ProcessResult(List.of("nix"), 0, "[]", "", false, Duration.ZERO)).verdict());
    }

    /** The real probe on this machine's Nix: the secure settings hide the canary; `sandbox = false` shows it. */
    @Test
    void theProbeBuildCannotSeeTheDataDirectoryInTheSandboxButCanWithoutIt(@TempDir Path dataDir) throws Exception {
        Files.writeString(dataDir.resolve("api-token"), "secret");
        assertEquals(BuildSandbox.Verdict.ISOLATED, probe(dataDir, List.of("substituters =")).verdict());
        assertEquals(BuildSandbox.Verdict.ISOLATED, probe(dataDir, List.of("substituters =", "extra-sandbox-paths = /bin /usr /lib /lib64")).verdict());
        assertEquals(BuildSandbox.Verdict.EXPOSED, probe(dataDir, List.of("substituters =", "sandbox = false")).verdict());
    }

    /** Import-from-derivation would run a commit's builder during evaluation, where no one expects a build. */
    @Test
    void evaluationRefusesImportFromDerivation() {
        String ifd = "import (derivation { name = \"ifd-" + UUID.randomUUID() + "\"; system = builtins.currentSystem; builder = \"/bin/sh\";"
                + " args = [ \"-c\" \"echo 42 > $out\" ]; })";
        ProcessResult r = ProcessRunner.run(List.of("nix", "eval", "--impure", "--expr", ifd),
                Map.of("NIX_CONFIG", NixSettings.nixConfig(null, List.of("substituters =", "extra-sandbox-paths = /bin /usr /lib /lib64"))),
                Duration.ofMinutes(2));
        org.junit.jupiter.api.Assertions.assertFalse(r.ok(), r.stdout());
        org.junit.jupiter.api.Assertions.assertTrue(r.stderr().contains("import-from-derivation") || r.stderr().contains("IFD"), r.stderr());
    }

    private static BuildSandbox.Outcome probe(Path dataDir, List<String> options) {
        String expr = BuildSandbox.probeExpression(dataDir.toString(), UUID.randomUUID().toString());
        ProcessResult r = ProcessRunner.run(List.of("nix", "build", "--impure", "--no-link", "--json", "--expr", expr),
                Map.of("NIX_CONFIG", NixSettings.nixConfig(null, options)), Duration.ofMinutes(2));
        return BuildSandbox.judge(r);
    }

    private static ProcessResult failed(String stderr) {
        return new ProcessResult(List.of("nix", "build"), 1, "", "error: builder failed\n" + stderr, false, Duration.ZERO);
    }
}
