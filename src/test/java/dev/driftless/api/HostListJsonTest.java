package dev.driftless.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.driftless.fleet.DriftFindings;
import dev.driftless.host.HostState;
import dev.driftless.host.HostStatus;
import dev.driftless.host.drift.DriftCheck;
import dev.driftless.host.drift.Finding;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The list written from entries kept per host is the list Jackson writes of the same views, also after hosts change or go. */
class HostListJsonTest {

    private final ObjectMapper mapper = new ObjectMapper().findAndRegisterModules().disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
    private final HostListJson list = new HostListJson(mapper);

    private String expected(List<HostListJson.Shown> hosts) throws Exception {
        return mapper.writeValueAsString(hosts.stream().map(h -> HostView.of(h.status(), h.owned(), h.settings(), h.found(), false)).toList());
    }

    private void assertListed(List<HostListJson.Shown> hosts) throws Exception {
        assertEquals(expected(hosts), new String(list.write(hosts), java.nio.charset.StandardCharsets.UTF_8));
    }

    @Test
    void aHostsEntryFollowsEachChangeOfWhatItShows() throws Exception {
        HostStatus web1 = HostStatus.unknown("web1", "local:/srv/web1");
        HostStatus web2 = HostStatus.unknown("web2", "ssh://root@web2");
        assertListed(List.of(new HostListJson.Shown(web1, true, null, null), new HostListJson.Shown(web2, true, null, null)));
        HostStatus down = web2.with(HostState.UNREACHABLE, "ssh: connect to host web2 port 22: Connection refused");
        assertListed(List.of(new HostListJson.Shown(web1, true, null, null), new HostListJson.Shown(down, true, null, null)));
        DriftFindings.Snapshot found = new DriftFindings.Snapshot(Instant.EPOCH, List.of(Finding.drift(DriftCheck.ETC, List.of("/etc/motd changed"))));
        assertListed(List.of(new HostListJson.Shown(web1, false, null, found), new HostListJson.Shown(down, true, null, null)));
    }

    @Test
    void aHostGoneFromTheFleetIsGoneFromTheListAndAnEmptyFleetIsAnEmptyList() throws Exception {
        HostStatus web1 = HostStatus.unknown("web1", "local:/srv/web1");
        HostStatus web2 = HostStatus.unknown("web2", "local:/srv/web2");
        assertListed(List.of(new HostListJson.Shown(web1, true, null, null), new HostListJson.Shown(web2, true, null, null)));
        assertListed(List.of(new HostListJson.Shown(web2, true, null, null)));
        assertListed(List.of());
    }

    @Test
    void aMessageWithCredentialsIsWrittenWithoutThem() throws Exception {
        HostStatus web1 = HostStatus.unknown("web1", "ssh://root@web1").with(HostState.UNREACHABLE,
                "nix copy failed: cannot open 's3://AKIAEXAMPLE:s3cr3tkey@cache.example.org/nix'");
        String written = new String(list.write(List.of(new HostListJson.Shown(web1, true, null, null))), java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(false, written.contains("s3cr3tkey"), written);
    }
}
