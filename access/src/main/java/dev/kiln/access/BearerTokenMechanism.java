package dev.kiln.access;

import io.quarkus.security.identity.IdentityProviderManager;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.request.AuthenticationRequest;
import io.quarkus.vertx.http.runtime.security.ChallengeData;
import io.quarkus.vertx.http.runtime.security.HttpAuthenticationMechanism;
import io.quarkus.vertx.http.runtime.security.HttpSecurityUtils;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Set;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Reads {@code Authorization: Bearer <token>}. A request without it is anonymous (health and metrics need no
 * more; every API refuses it). A Kiln API token is checked here; any other bearer token is left to OpenID
 * Connect when an issuer is configured, and fails authentication when none is.
 */
@ApplicationScoped
public class BearerTokenMechanism implements HttpAuthenticationMechanism {

    private static final String SCHEME = "Bearer ";
    /** What a 401 tells the client to send. */
    public static final String CHALLENGE = "Bearer realm=\"kiln\"";

    private final boolean oidc;

    public BearerTokenMechanism(@ConfigProperty(name = "quarkus.oidc.tenant-enabled") boolean oidc) {
        this.oidc = oidc;
    }

    @Override
    public Uni<SecurityIdentity> authenticate(RoutingContext context, IdentityProviderManager identityProviders) {
        String header = context.request().getHeader(HttpHeaders.AUTHORIZATION);
        if (header == null) {
            return Uni.createFrom().nullItem();
        }
        if (!header.regionMatches(true, 0, SCHEME, 0, SCHEME.length())) {
            return Uni.createFrom().failure(TokenRefusals.refused(
                    "The Authorization header must be \"Bearer <token>\""));
        }
        String token = header.substring(SCHEME.length()).trim();
        if (oidc && !token.startsWith(ApiTokenSecrets.PREFIX)) {
            return Uni.createFrom().nullItem();
        }
        return identityProviders.authenticate(HttpSecurityUtils.setRoutingContextAttribute(
                new ApiTokenAuthenticationRequest(token), context));
    }

    /** Before OpenID Connect's mechanism, which would otherwise try to read a Kiln token as a JWT. */
    @Override
    public int getPriority() {
        return DEFAULT_PRIORITY + 100;
    }

    @Override
    public Uni<ChallengeData> getChallenge(RoutingContext context) {
        return Uni.createFrom().item(new ChallengeData(401, "WWW-Authenticate", CHALLENGE));
    }

    @Override
    public Set<Class<? extends AuthenticationRequest>> getCredentialTypes() {
        return Set.of(ApiTokenAuthenticationRequest.class);
    }
}
