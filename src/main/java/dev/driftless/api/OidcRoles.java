package dev.driftless.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.driftless.config.DriftlessConfig;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Which calls an access token from the OIDC issuer opens: being signed by the issuer proves who
 * the caller is, not that they may act on the fleet. A token must hold a write role in its roles
 * claim to sync or roll back, and a read or write role to read. With no role configured, OIDC
 * tokens open nothing: an issuer shared with other applications must not hand out fleet access
 * by default. The static API token is not subject to roles.
 */
@Startup
@ApplicationScoped
public class OidcRoles {

    private static final Logger LOG = Logger.getLogger(OidcRoles.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern SEPARATORS = Pattern.compile("[\\s,]+");

    private final String claim;
    private final Set<String> write;
    private final Set<String> read;

    @Inject
    OidcRoles(DriftlessConfig config, @ConfigProperty(name = "quarkus.oidc.tenant-enabled", defaultValue = "false") boolean oidc,
            @ConfigProperty(name = "quarkus.oidc.token.audience") Optional<List<String>> audience) {
        this(config.api().oidc().rolesClaim(), config.api().oidc().writeRoles().orElse(List.of()),
                config.api().oidc().readRoles().orElse(List.of()));
        if (oidc) {
            explain(audience.isPresent());
        }
    }

    OidcRoles(String claim, Collection<String> write, Collection<String> read) {
        this.claim = claim.strip();
        this.write = names(write);
        Set<String> readers = names(read);
        readers.addAll(this.write);
        this.read = readers;
    }

    /** Says at start what OIDC tokens may do, and which key to set when they may do nothing. */
    void explain(boolean audienceChecked) {
        if (write.isEmpty()) {
            LOG.warnf("OIDC is on but driftless.api.oidc.write-roles is not set: access tokens from the issuer open no sync or rollback%s."
                    + " Set driftless.api.oidc.write-roles to the roles or groups (claim %s, driftless.api.oidc.roles-claim) that may act",
                    read.isEmpty() ? " and no read" : "", claim);
        } else {
            LOG.infof("OIDC access tokens need one of %s in claim %s to sync or roll back, one of %s to read", write, claim, read);
        }
        if (!audienceChecked) {
            LOG.warn("OIDC is on but quarkus.oidc.token.audience is not set: a token the issuer made for any other client is taken too."
                    + " Set quarkus.oidc.token.audience to the audience your issuer puts in tokens for Driftless");
        }
    }

    /** The claim that lists a token's roles, as configured. */
    public String claim() {
        return claim;
    }

    /** The roles of which a token needs one: for a change ({@code write}) or a read. Empty: no token can. */
    public Set<String> needed(boolean write) {
        return write ? this.write : read;
    }

    /** Whether a token whose roles claim holds {@code held} may make the call. */
    public boolean opens(boolean write, Set<String> held) {
        return needed(write).stream().anyMatch(held::contains);
    }

    /** The roles in a token's claims, given as the JSON object its payload or introspection is. */
    public Set<String> rolesIn(String claimsJson) {
        try {
            return rolesAt(JSON.readTree(claimsJson), claim);
        } catch (JsonProcessingException notJson) {
            return Set.of(); // Only a verified token gets here; claims that cannot be read grant nothing.
        }
    }

    /**
     * The names at {@code path} in {@code claims}: a JSON array of strings, or one string of names
     * separated by spaces or commas (as the {@code scope} claim is). A whole path that is itself a
     * claim name wins, so that namespaced claims such as {@code https://example.org/roles} work.
     * Anything else holds no name.
     */
    static Set<String> rolesAt(JsonNode claims, String path) {
        if (claims == null || !claims.isObject()) {
            return Set.of();
        }
        JsonNode node = claims.get(path);
        if (node == null) {
            node = claims;
            for (String name : path.split("/")) {
                node = node.isObject() ? node.get(name) : null;
                if (node == null) {
                    return Set.of();
                }
            }
        }
        Set<String> names = new LinkedHashSet<>();
        if (node.isArray()) {
            node.forEach(element -> {
                if (element.isTextual() && !element.asText().isBlank()) {
                    names.add(element.asText().strip());
                }
            });
        } else if (node.isTextual()) {
            for (String name : SEPARATORS.split(node.asText().strip())) {
                // Java's idea of white space is wider than the pattern's (\u001f, say): a name of only that is none.
                String stripped = name.strip();
                if (!stripped.isEmpty()) {
                    names.add(stripped);
                }
            }
        }
        return names;
    }

    private static Set<String> names(Collection<String> configured) {
        Set<String> names = new LinkedHashSet<>();
        configured.stream().map(String::strip).filter(n -> !n.isEmpty()).forEach(names::add);
        return names;
    }
}
