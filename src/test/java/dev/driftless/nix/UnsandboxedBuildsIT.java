package dev.driftless.nix;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.driftless.exec.ProcessResult;
import dev.driftless.exec.ProcessRunner;
import dev.driftless.testing.DriftlessProcess;
import dev.driftless.testing.FleetFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * The packaged application: a process that builds commits refuses to start without nix, or
 * unsandboxed unless told so knowingly. The checks run while the rest of the start-up does.
 */
class UnsandboxedBuildsIT {

    @Test
    void aBuilderWithTheSandboxTurnedOffRefusesToStartAndSaysHowToOptOut() {
        try (FleetFixture fleet = new FleetFixture()) {
            Map<String, String> config = new LinkedHashMap<>(fleet.config());
            config.put("driftless.nix.options", "substituters =,sandbox = false");
            try (DriftlessProcess app = DriftlessProcess.launch(config, "unsandboxed-refused")) {
                int exit = app.awaitExit(Duration.ofSeconds(60));
                assertNotEquals(0, exit);
                assertTrue(app.log().contains("sets `sandbox = false`"), app.log());
                assertTrue(app.log().contains("driftless.nix.allow-unsandboxed=true"), app.log());
            }
        }
    }

    @Test
    void anOperatorWhoOptsOutKnowinglyGetsAControllerThatSaysWhatItRisks() {
        try (FleetFixture fleet = new FleetFixture()) {
            Map<String, String> config = new LinkedHashMap<>(fleet.config());
            config.put("driftless.nix.options", "substituters =,sandbox = false");
            config.put("driftless.nix.allow-unsandboxed", "true");
            try (DriftlessProcess app = DriftlessProcess.start(config, "unsandboxed-allowed")) {
                assertTrue(app.log().contains("builds may run without Nix's sandbox"), app.log());
            }
        }
    }

    @Test
    void withoutNixOnItsPathItRefusesToStartAndSaysWhatToInstall() {
        try (FleetFixture fleet = new FleetFixture();
                DriftlessProcess app = DriftlessProcess.launch(fleet.config(), "nix-missing", Map.of("PATH", "/nonexistent"))) {
            int exit = app.awaitExit(Duration.ofSeconds(60));
            assertNotEquals(0, exit);
            assertTrue(app.log().contains("install Nix 2.8 or newer"), app.log());
            assertFalse(app.log().contains("started in"), app.log());
        }
    }

    /**
     * With its signing key already there, nothing at start-up needs nix but the checks, which run
     * beside the first fetch and evaluation of the branch: the commit is not failed for what is
     * this machine's fault, so the next start, with nix, deploys it.
     */
    @Test
    void nixGoneAtARestartFailsTheStartUpButNotTheCommitItWouldEvaluate() throws Exception {
        try (FleetFixture fleet = new FleetFixture()) {
            Path key = fleet.dataDir().resolveSibling("signing.sec");
            ProcessResult generated = ProcessRunner.run(List.of("nix", "key", "generate-secret", "--key-name", "it-1"),
                    Map.of("NIX_CONFIG", NixSettings.nixConfig(null, List.of())), Duration.ofSeconds(30));
            assertTrue(generated.ok(), generated.explain());
            Files.writeString(key, generated.stdout());
            Map<String, String> config = new LinkedHashMap<>(fleet.config());
            config.put("driftless.nix.signing-key-file", key.toString());
            // A nix that answers nothing for 3 s, then fails: the checks end after the branch's first evaluation asked for nix.
            Path bin = Files.createDirectories(fleet.dataDir().resolveSibling("broken-nix"));
            Files.writeString(bin.resolve("nix"), "#!/bin/sh\n/bin/sleep 3\necho 'nix: broken here' >&2\nexit 1\n");
            bin.resolve("nix").toFile().setExecutable(true);
            try (DriftlessProcess app = DriftlessProcess.launch(config, "nix-gone", Map.of("PATH", bin.toString()))) {
                int exit = app.awaitExit(Duration.ofSeconds(60));
                assertNotEquals(0, exit);
                assertTrue(app.log().contains("install Nix 2.8 or newer"), app.log());
                assertTrue(app.log().contains("observed"), app.log());
                assertFalse(app.log().contains("does not evaluate"), app.log());
            }
            try (DriftlessProcess app = DriftlessProcess.start(config, "nix-back")) {
                String head = fleet.head();
                Awaitility.await().atMost(Duration.ofSeconds(60)).until(() ->
                        app.api().get("/api/v1/commits").then().extract().path("find { it.sha == '" + head + "' }.status"), "ready"::equals);
            }
        }
    }
}
