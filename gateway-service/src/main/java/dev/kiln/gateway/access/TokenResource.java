package dev.kiln.gateway.access;

import dev.kiln.access.ApiTokens;
import dev.kiln.access.Caller;
import dev.kiln.contracts.access.Role;
import dev.kiln.gateway.api.InvalidRequestException;
import dev.kiln.gateway.api.NotFoundProblem;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.UriInfo;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestResponse;

/** Kiln API tokens of the admin's project: issued, listed, revoked. */
@RolesAllowed(Role.Names.ADMIN)
@Path("/api/v1/tokens")
@Tag(name = "Access", description = "Kiln API tokens for automation and CI")
@Produces(MediaType.APPLICATION_JSON)
public class TokenResource {

    private final ApiTokens tokens;
    private final SecurityIdentity identity;

    public TokenResource(ApiTokens tokens, SecurityIdentity identity) {
        this.tokens = tokens;
        this.identity = identity;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Issue a token",
            description = "A name, a role (viewer, member, maintainer or admin) and expiresInDays (1 to 3650, 90 when"
                    + " absent). The token acts in the admin's project. 201 with the token in `token`: the only time"
                    + " it is shown (only its SHA-256 is stored).")
    public RestResponse<TokenView> create(CreateTokenRequest request, UriInfo uri) {
        // An empty body is a request that names nothing.
        CreateTokenRequest asked = request == null ? new CreateTokenRequest(null, null, null) : request;
        if (!asked.problems().isEmpty()) {
            throw new InvalidRequestException(asked.problems());
        }
        Caller admin = Caller.of(identity);
        ApiTokens.Issued issued = tokens.issue(asked.name(), admin.project(), Role.ofLabel(asked.role()),
                Instant.now().plus(Duration.ofDays(asked.days())), admin.name());
        return RestResponse.ResponseBuilder.<TokenView>create(201)
                .location(uri.getAbsolutePathBuilder().path(issued.stored().id()).build())
                .entity(TokenView.issued(issued.stored(), issued.token())).build();
    }

    @GET
    @Operation(summary = "The project's tokens",
            description = "Newest first, revoked and expired ones included, with their last use (recorded at most"
                    + " once a minute). Never the secret.")
    public List<TokenView> list() {
        return tokens.list(Caller.projectOf(identity)).stream().map(TokenView::of).toList();
    }

    @DELETE
    @Path("{id}")
    @Operation(summary = "Revoke a token",
            description = "At once on this gateway; elsewhere within kiln.access.token-cache-ttl (10 s). 204; 404 if"
                    + " the project has no such token that is not revoked already.")
    public RestResponse<Void> revoke(@PathParam("id") String id) {
        String project = Caller.projectOf(identity);
        if (!tokens.revoke(id, project)) {
            throw new NotFoundProblem("No active token " + id + " in project " + project);
        }
        return RestResponse.noContent();
    }
}
