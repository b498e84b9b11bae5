package dev.kiln.access;

import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.IdentityProvider;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Turns a Kiln API token into the caller's identity: on the calling thread for a token the process knows (no
 * hop to a worker thread on every prediction), off the event loop when the store must be asked.
 */
@ApplicationScoped
public class ApiTokenIdentityProvider implements IdentityProvider<ApiTokenAuthenticationRequest> {

    private final ApiTokens tokens;

    public ApiTokenIdentityProvider(ApiTokens tokens) {
        this.tokens = tokens;
    }

    @Override
    public Class<ApiTokenAuthenticationRequest> getRequestType() {
        return ApiTokenAuthenticationRequest.class;
    }

    @Override
    public Uni<SecurityIdentity> authenticate(ApiTokenAuthenticationRequest request,
            AuthenticationRequestContext context) {
        return Uni.createFrom().item(() -> tokens.authenticateKnown(request.token()))
                .flatMap(known -> known != null ? Uni.createFrom().item(known.identity())
                        : context.runBlocking(() -> tokens.authenticate(request.token()).identity()));
    }
}
