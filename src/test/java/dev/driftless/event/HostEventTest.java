package dev.driftless.event;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.junit.jupiter.api.Test;

class HostEventTest {

    @Test
    void theTextsOfANewEventLoseCredentialsAndEverythingElseStays() {
        HostEvent event = HostEvent.of(HostEvent.DEPLOYMENT_FAILED, "web1", "abc", Map.of(
                "message", "cannot copy from https://glpat-0123456789@cache.example.org: 401", "generation", 3));
        assertEquals("cannot copy from https://***@cache.example.org: 401", event.data().get("message"));
        assertEquals(3, event.data().get("generation"));
    }
}
