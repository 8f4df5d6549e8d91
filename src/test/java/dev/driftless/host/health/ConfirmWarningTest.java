package dev.driftless.host.health;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Checks run before the confirmation: when they may outlast the confirm timeout, the start says so. */
class ConfirmWarningTest {

    private static final HealthCheck SLOW = new HealthCheck.Command("slow", "sleep 20", Duration.ofSeconds(20));
    private static final HealthCheck UNITS = new HealthCheck.Units("units", List.of("nginx.service"), Duration.ofSeconds(15));

    @Test
    void checksThatMayOutlastTheConfirmTimeoutAreNamedWithTheSettingToRaise() {
        String warning = HealthChecks.confirmWarning("web1", List.of(SLOW, UNITS), Duration.ofSeconds(30)).orElseThrow();
        assertTrue(warning.contains("35 s") && warning.contains("30 s") && warning.contains("driftless.hosts.web1.confirm-timeout"), warning);
    }

    @Test
    void checksWellInsideTheConfirmTimeoutSayNothing() {
        assertTrue(HealthChecks.confirmWarning("web1", List.of(UNITS), Duration.ofSeconds(30)).isEmpty());
        assertTrue(HealthChecks.confirmWarning("web1", List.of(), Duration.ofSeconds(30)).isEmpty());
    }
}
