package dev.driftless.metrics;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.driftless.exec.ProcessResult;
import dev.driftless.exec.ProcessRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The shipped alert rules, checked and unit-tested by Prometheus's own promtool. */
class AlertRulesTest {

    private static final Path RULES = Path.of("config/prometheus");

    private static ProcessResult promtool(String... args) {
        assertTrue(Files.isExecutable(Path.of("/usr/bin/promtool")),
                "promtool is missing: install Debian's prometheus package (scripts/test.sh does)");
        List<String> command = new java.util.ArrayList<>(List.of("/usr/bin/promtool"));
        command.addAll(List.of(args));
        return ProcessRunner.run(command, Map.of(), Duration.ofMinutes(1), RULES);
    }

    @Test
    void everyRuleIsValidPromQL() {
        ProcessResult result = promtool("check", "rules", "driftless-rules.yml");
        assertTrue(result.ok() && result.stdout().contains("SUCCESS: 16 rules found"), result.stdout() + result.stderr());
    }

    @Test
    void everyAlertFiresAndStaysQuietWhenItsUnitTestsSay() {
        ProcessResult result = promtool("test", "rules", "driftless-rules.test.yml");
        assertTrue(result.ok(), result.stdout() + result.stderr());
    }

    @Test
    void theScrapeExampleLoadsTheRules() {
        ProcessResult result = promtool("check", "config", "prometheus.yml");
        assertTrue(result.ok(), result.stdout() + result.stderr());
    }
}
