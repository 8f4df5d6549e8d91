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

    @Test
    void theFleetListKeepsTheEvidenceOfDriftAndLeavesOutWhyAChecksUnknownWhichTheHostsOwnViewShows() {
        HostStatus status = HostStatus.unknown("web1", "local:/srv/web1");
        var found = new dev.driftless.fleet.DriftFindings.Snapshot(java.time.Instant.EPOCH, java.util.List.of(
                dev.driftless.host.drift.Finding.drift(dev.driftless.host.drift.DriftCheck.ETC, java.util.List.of("/etc/motd was replaced by a regular file")),
                dev.driftless.host.drift.Finding.unknown(dev.driftless.host.drift.DriftCheck.UNITS, "no systemd to ask")));
        HostView listed = HostView.of(status, true, null, found, false);
        assertEquals(java.util.List.of("/etc/motd was replaced by a regular file"), listed.drift().get("etc").evidence());
        assertEquals("unknown", listed.drift().get("units").status());
        assertEquals(null, listed.drift().get("units").evidence());
        assertEquals(null, listed.settingsFrom(), "the host's own view has where its settings came from");
        assertEquals(java.util.List.of("no systemd to ask"), HostView.of(status, true, null, found).drift().get("units").evidence());
    }
}
