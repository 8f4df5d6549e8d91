package dev.driftless.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.List;
import java.util.Set;

/**
 * Fuzzes the JSON the API reads from its callers and acts on. Sync and rollback take no body, and
 * webhook bodies are WebhookFuzzTest's; what is left is the claims of an OIDC access token, which
 * decide what the caller may do. Whatever the claims and the configured claim path, reading the
 * roles never throws, a role is a name (not blank, no surrounding space), and a call opens only
 * for a token that holds one of the roles configured for it. CI fuzzes it for a while
 * (JAZZER_FUZZ=1, see pom.xml); a plain run replays the seeds under ApiJsonFuzzTestInputs.
 */
class ApiJsonFuzzTest {

    private static final List<String> CLAIMS = List.of("groups", "roles", "scope", "realm_access/roles", "resource_access/driftless/roles",
            "https://driftless.example/roles", "a//b", "/", "");

    @FuzzTest(maxDuration = "10s")
    void anyTokenClaimsOpenOnlyWhatAConfiguredRoleOpens(FuzzedDataProvider data) {
        String claim = data.pickValue(CLAIMS);
        boolean configured = data.consumeBoolean();
        String claims = data.consumeRemainingAsString();
        OidcRoles roles = configured ? new OidcRoles(claim, List.of("operators"), List.of("viewers")) : new OidcRoles(claim, List.of(), List.of());

        Set<String> held = roles.rolesIn(claims);

        for (String role : held) {
            assertFalse(role.isBlank(), "a blank role");
            assertEquals(role.strip(), role, "a role with surrounding space");
        }
        boolean writes = roles.opens(true, held);
        boolean reads = roles.opens(false, held);
        assertEquals(configured && held.contains("operators"), writes, "changes open exactly for the write role");
        assertEquals(configured && (held.contains("operators") || held.contains("viewers")), reads, "reads open exactly for a read or write role");
        assertTrue(!writes || reads, "whoever may change may read");
    }
}
