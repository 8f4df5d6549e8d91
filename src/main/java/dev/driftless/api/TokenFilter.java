package dev.driftless.api;

import dev.driftless.config.DriftlessConfig;
import io.quarkus.oidc.TokenIntrospection;
import io.quarkus.oidc.runtime.OidcJwtCallerPrincipal;
import io.quarkus.security.identity.CurrentIdentityAssociation;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.HttpMethod;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;
import org.jboss.resteasy.reactive.server.SimpleResourceInfo;

/**
 * Every call to a REST resource (all of them live under {@code /api/v1}) needs
 * {@code Authorization: Bearer <token>}: the static {@code driftless.api.token}, or, where OIDC is
 * configured, an access token from the configured issuer that Quarkus OIDC verifies and that holds
 * a role {@link OidcRoles} accepts for the call (else 403, saying which). Reads are
 * open only with {@code driftless.api.protect-reads=false}; resources marked {@link SignedRequests}
 * (the webhooks) check their own signatures. Health, metrics and the OpenAPI document are not
 * REST resources and stay open.
 */
public class TokenFilter {

    /** The identity attribute under which Quarkus OIDC keeps what the issuer said of an opaque token. */
    private static final String INTROSPECTION = "introspection";

    private final ApiToken token;
    private final boolean protectReads;
    private final boolean oidc;
    private final OidcRoles roles;
    private final CurrentIdentityAssociation identity;

    TokenFilter(ApiToken token, DriftlessConfig config, OidcRoles roles, CurrentIdentityAssociation identity,
            @ConfigProperty(name = "quarkus.oidc.tenant-enabled", defaultValue = "false") boolean oidc) {
        this.token = token;
        this.protectReads = config.api().protectReads();
        this.roles = roles;
        this.identity = identity;
        this.oidc = oidc;
    }

    @ServerRequestFilter
    public Uni<Response> check(ContainerRequestContext request, SimpleResourceInfo resource) {
        if (resource.getResourceClass().isAnnotationPresent(SignedRequests.class)) {
            return Uni.createFrom().nullItem();
        }
        String method = request.getMethod();
        boolean read = method.equals(HttpMethod.GET) || method.equals(HttpMethod.HEAD) || method.equals(HttpMethod.OPTIONS);
        if (read && !protectReads) {
            return Uni.createFrom().nullItem();
        }
        String header = request.getHeaderString(HttpHeaders.AUTHORIZATION);
        boolean bearer = header != null && header.regionMatches(true, 0, "Bearer ", 0, 7);
        if (bearer && token.matches(header.substring(7))) {
            return Uni.createFrom().nullItem();
        }
        if (!oidc || !bearer) {
            return Uni.createFrom().item(unauthorized());
        }
        // Authentication is lazy, so OIDC looks at the token (signature, issuer, expiry, audience)
        // only when the static one did not match; a token it accepts must then hold a role.
        return identity.getDeferredIdentity()
                .map(id -> id.isAnonymous() ? unauthorized() : byRole(id, !read))
                .onFailure().recoverWithItem(failure -> unauthorized());
    }

    /** Null (go on) when the verified token holds a role for the call, else 403. */
    private Response byRole(SecurityIdentity id, boolean write) {
        return roles.opens(write, roles.rolesIn(claimsOf(id))) ? null : forbidden(write);
    }

    /** The claims of a verified token: a JWT's payload, or what the issuer's introspection said of an opaque token. */
    private static String claimsOf(SecurityIdentity id) {
        if (id.getPrincipal() instanceof OidcJwtCallerPrincipal jwt) {
            return jwt.getClaims().toJson();
        }
        return id.getAttribute(INTROSPECTION) instanceof TokenIntrospection introspection ? introspection.getIntrospectionString() : "{}";
    }

    private Response forbidden(boolean write) {
        Set<String> needed = roles.needed(write);
        String what = write ? "sync and rollback" : "reads";
        String error = needed.isEmpty()
                ? "OIDC tokens open no " + what + " until " + (write ? "driftless.api.oidc.write-roles names" : "driftless.api.oidc.read-roles or write-roles name")
                        + " the roles that may"
                : "this token lacks a role for " + what + ": its claim " + roles.claim() + " must hold one of " + needed;
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", error);
        body.put("claim", roles.claim());
        body.put("roles", needed);
        return Response.status(Response.Status.FORBIDDEN)
                .header(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"driftless\", error=\"insufficient_scope\"")
                .type(MediaType.APPLICATION_JSON)
                .entity(body)
                .build();
    }

    private Response unauthorized() {
        String how = oidc ? "driftless.api.token, the file <data-dir>/api-token, or an access token from the configured OIDC issuer"
                : "driftless.api.token or the file <data-dir>/api-token";
        return Response.status(Response.Status.UNAUTHORIZED)
                .header(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"driftless\"")
                .type(MediaType.APPLICATION_JSON)
                .entity(Map.of("error", "this call needs Authorization: Bearer <token>; the token is " + how))
                .build();
    }
}
