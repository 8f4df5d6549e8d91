package dev.driftless.api;

import dev.driftless.config.DriftlessConfig;
import jakarta.ws.rs.HttpMethod;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.Map;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/** Every call under {@code /api/v1} that changes something needs {@code Authorization: Bearer <token>}. */
public class TokenFilter {

    private final ApiToken token;

    private final boolean protectReads;

    TokenFilter(ApiToken token, DriftlessConfig config) {
        this.token = token;
        this.protectReads = config.api().protectReads();
    }

    @ServerRequestFilter
    public Response check(ContainerRequestContext request) {
        String method = request.getMethod();
        boolean read = method.equals(HttpMethod.GET) || method.equals(HttpMethod.HEAD) || method.equals(HttpMethod.OPTIONS);
        if (read && !protectReads) {
            return null;
        }
        String path = request.getUriInfo().getPath();
        if (!path.startsWith("/api/v1/") || path.startsWith("/api/v1/webhooks/")) {
            return null; // Webhooks prove themselves with their own signatures.
        }
        String header = request.getHeaderString(HttpHeaders.AUTHORIZATION);
        if (header != null && header.regionMatches(true, 0, "Bearer ", 0, 7) && token.matches(header.substring(7))) {
            return null;
        }
        return Response.status(Response.Status.UNAUTHORIZED)
                .header(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"driftless\"")
                .type(MediaType.APPLICATION_JSON)
                .entity(Map.of("error", "this call needs Authorization: Bearer <token>; the token is driftless.api.token or the file <data-dir>/api-token"))
                .build();
    }
}
