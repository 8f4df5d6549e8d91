package dev.driftless.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.driftless.event.HostEvent;
import io.smallrye.mutiny.helpers.test.AssertSubscriber;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Event streams are bounded: in number, and in how far one reader may fall behind. */
class HostEventsTest {

    @Test
    void beyondTheLimitANewSubscriberIsRefusedUntilAnotherLeaves() {
        HostEvents events = new HostEvents(2, 16, () -> {});
        AssertSubscriber<HostEvent> first = follow(events, Long.MAX_VALUE);
        follow(events, Long.MAX_VALUE);
        assertTrue(events.subscribe().isEmpty(), "a third stream is refused");

        first.cancel();
        AssertSubscriber<HostEvent> third = follow(events, Long.MAX_VALUE);
        events.publish(event(1));
        third.assertItems(event(1));
        assertTrue(events.subscribe().isEmpty(), "the freed place is taken again");
    }

    @Test
    void aSlowSubscriberWhoseBufferFillsIsDroppedAndCountedWhileTheOthersGoOn() {
        AtomicInteger dropped = new AtomicInteger();
        HostEvents events = new HostEvents(2, 8, dropped::incrementAndGet);
        AssertSubscriber<HostEvent> slow = follow(events, 0);
        AssertSubscriber<HostEvent> reading = follow(events, Long.MAX_VALUE);

        for (int i = 0; i < 8; i++) {
            events.publish(event(i));
        }
        slow.assertNotTerminated();
        assertEquals(0, dropped.get(), "a full buffer is still kept");

        events.publish(event(8));
        slow.assertCompleted().assertHasNotReceivedAnyItem();
        assertEquals(1, dropped.get());
        reading.assertNotTerminated();
        assertEquals(9, reading.getItems().size(), "the reader that keeps up misses nothing");
        follow(events, Long.MAX_VALUE); // the dropped reader's place is free again
        assertTrue(events.subscribe().isEmpty());
    }

    @Test
    void aStreamThatEndsGivesItsPlaceBackOnce() {
        HostEvents events = new HostEvents(1, 8, () -> {});
        AssertSubscriber<HostEvent> only = follow(events, Long.MAX_VALUE);
        only.cancel();
        only.cancel();
        follow(events, Long.MAX_VALUE);
        assertTrue(events.subscribe().isEmpty(), "a second cancel does not free a place twice");
    }

    private static AssertSubscriber<HostEvent> follow(HostEvents events, long demand) {
        return events.subscribe().orElseThrow(() -> new AssertionError("refused")).subscribe().withSubscriber(AssertSubscriber.create(demand));
    }

    private static HostEvent event(int n) {
        return new HostEvent("1.0", "id-" + n, "/driftless", HostEvent.STATE_CHANGED, "web1", java.time.Instant.EPOCH, null, Map.of("n", n));
    }
}
