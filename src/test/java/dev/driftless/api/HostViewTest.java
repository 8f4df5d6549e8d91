package dev.driftless.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.driftless.host.HostState;
import dev.driftless.host.HostStatus;
import org.junit.jupiter.api.Test;

class HostViewTest {

    @Test
    void aHostMessageThatQuotesAUrlWithCredentialsIsShownWithout() {
        // A transport's error can quote a cache or store URL, as nix copy does in its messages.
        HostStatus status = HostStatus.unknown("web1", "ssh://root@web1").with(HostState.UNREACHABLE,
                "nix copy failed: cannot open 's3://AKIAEXAMPLE:s3cr3tkey@cache.example.org/nix'");
        assertEquals("nix copy failed: cannot open 's3://***@cache.example.org/nix'", HostView.of(status, true, null, null).message());
    }
}
