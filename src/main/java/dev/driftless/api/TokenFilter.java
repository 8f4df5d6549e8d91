package dev.driftless.api;

import dev.driftless.config.DriftlessConfig;
import io.quarkus.security.identity.CurrentIdentityAssociation;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.HttpMethod;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.Map;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;
import org.jboss.resteasy.reactive.server.SimpleResourceInfo;

/**
 * Every call to a REST resource (all of them live under {@code /api/v1}) needs
 * {@code Authorization: Bearer <token>}: the static {@code driftless.api.token}, or, where OIDC is
 * configured, an access token from the configured issuer that Quarkus OIDC verifies. Reads are
 * open only with {@code driftless.api.protect-reads=false}; resources marked {@link SignedRequests}
 * (the webhooks) check their own signatures. Health, metrics and the OpenAPI document are not
 * REST resources and stay open.
 */
public class TokenFilter {

    private final ApiToken token;
    private final boolean protectReads;
    private final boolean oidc;
    private final CurrentIdentityAssociation identity;

    TokenFilter(ApiToken token, DriftlessConfig config, CurrentIdentityAssociation identity,
            @ConfigProperty(name = "quarkus.oidc.tenant-enabled", defaultValue = "false") boolean oidc) {
        this.token = token;
        this.protectReads = config.api().protectReads();
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
        // Authentication is lazy, so OIDC looks at the token only when the static one did not match.
        return identity.getDeferredIdentity()
                .map(id -> id.isAnonymous() ? unauthorized() : null)
                .onFailure().recoverWithItem(failure -> unauthorized());
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
