package dev.driftless.source.webhook;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class RepositoryUrlsTest {

    @Test
    void theWaysProvidersWriteOneRepositoryAreTheSameRepository() {
        List<String> same = List.of("https://github.com/acme/fleet.git", "https://github.com/acme/fleet", "git@github.com:acme/fleet.git",
                "ssh://git@github.com/acme/fleet.git", "ssh://git@github.com:22/acme/fleet", "https://x-access-token:abc@github.com/acme/fleet.git",
                "git://github.com/acme/fleet.git", "https://GitHub.com/Acme/Fleet/");
        for (String url : same) {
            assertEquals(true, RepositoryUrls.same(url, "https://github.com/acme/fleet.git"), url);
        }
    }

    @Test
    void anotherOwnerHostOrNameIsAnotherRepository() {
        for (String url : List.of("https://github.com/acme/fleet-old.git", "https://gitlab.com/acme/fleet.git",
                "git@github.com:other/fleet.git", "file:///srv/fleet")) {
            assertEquals(false, RepositoryUrls.same(url, "https://github.com/acme/fleet.git"), url);
        }
        assertEquals(true, RepositoryUrls.same("file:///srv/fleet", "file:///srv/fleet/"));
    }
}
