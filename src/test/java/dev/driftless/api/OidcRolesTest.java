package dev.driftless.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

/** Which roles a token's claims hold, and which calls they open. */
class OidcRolesTest {

    private static final OidcRoles OPERATORS_AND_VIEWERS = new OidcRoles("groups", List.of("operators"), List.of("viewers"));

    @Test
    void aWriteRoleOpensChangesAndReadsAReadRoleOnlyReads() {
        assertTrue(OPERATORS_AND_VIEWERS.opens(true, Set.of("operators")));
        assertTrue(OPERATORS_AND_VIEWERS.opens(false, Set.of("operators")));
        assertFalse(OPERATORS_AND_VIEWERS.opens(true, Set.of("viewers")));
        assertTrue(OPERATORS_AND_VIEWERS.opens(false, Set.of("viewers")));
        assertFalse(OPERATORS_AND_VIEWERS.opens(false, Set.of("Operators", "operators-x", "")));
    }

    @Test
    void withNoRoleConfiguredNoTokenOpensAnything() {
        OidcRoles none = new OidcRoles("groups", List.of(), List.of(" "));
        assertFalse(none.opens(true, Set.of("admin", "operators", "")));
        assertFalse(none.opens(false, Set.of("admin", "operators", "")));
        assertTrue(none.needed(true).isEmpty());
    }

    @Test
    void rolesAreReadFromATopLevelClaimANestedPathOrANamespacedClaim() {
        String claims = """
                {"groups": ["operators", "dev"], "scope": "openid fleet:read,fleet:write",
                 "realm_access": {"roles": ["viewers"]}, "resource_access": {"driftless": {"roles": ["operators"]}},
                 "https://driftless.example/roles": ["namespaced"]}""";
        assertEquals(Set.of("operators", "dev"), roles("groups", claims));
        assertEquals(Set.of("openid", "fleet:read", "fleet:write"), roles("scope", claims));
        assertEquals(Set.of("viewers"), roles("realm_access/roles", claims));
        assertEquals(Set.of("operators"), roles("resource_access/driftless/roles", claims));
        assertEquals(Set.of("namespaced"), roles("https://driftless.example/roles", claims));
    }

    @Test
    void claimsThatAreMissingOfAnotherShapeOrNotJsonHoldNoRole() {
        for (String claims : List.of("{}", "{\"groups\": 7}", "{\"groups\": {\"operators\": true}}", "{\"groups\": [1, null, {}, [\"x\"]]}",
                "{\"realm_access\": [\"roles\"]}", "[\"operators\"]", "not json", "", "{\"groups\": [\"operators\"")) {
            assertEquals(Set.of(), new OidcRoles("realm_access/roles", List.of("operators"), List.of()).rolesIn(claims), claims);
        }
        assertEquals(Set.of(), roles("groups", "{\"groups\": [1, null, {}, [\"operators\"]]}"), "only strings are role names");
    }

    @Test
    void atStartOidcWithoutWriteRolesOrAudienceSaysWhichKeysToSet() {
        List<String> lines = new ArrayList<>();
        Logger log = Logger.getLogger(OidcRoles.class.getName());
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                lines.add(record.getMessage());
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        log.addHandler(capture);
        try {
            new OidcRoles("groups", List.of(), List.of()).explain(false);
        } finally {
            log.removeHandler(capture);
        }
        assertTrue(lines.stream().anyMatch(l -> l.contains("driftless.api.oidc.write-roles") && l.contains("no sync or rollback")), lines.toString());
        assertTrue(lines.stream().anyMatch(l -> l.contains("quarkus.oidc.token.audience")), lines.toString());
    }

    private static Set<String> roles(String claim, String claims) {
        return new OidcRoles(claim, List.of("operators"), List.of()).rolesIn(claims);
    }
}
