package dev.kiln.access;

import dev.kiln.contracts.access.Role;
import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.SecurityIdentityAugmentor;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.json.JsonString;
import java.util.Arrays;
import java.util.Comparator;
import org.eclipse.microprofile.jwt.JsonWebToken;

/**
 * Makes a caller of an OpenID Connect identity: its Kiln role is the highest of the token's roles named
 * {@code viewer}, {@code member}, {@code maintainer} or {@code admin} (or with a {@code kiln-} prefix, as
 * Keycloak realms often name them); its project is the {@link AccessConfig.Oidc#projectClaim() project claim}.
 */
@ApplicationScoped
public class OidcCallers implements SecurityIdentityAugmentor {

    private static final String PREFIX = "kiln-";

    private final AccessConfig config;

    public OidcCallers(AccessConfig config) {
        this.config = config;
    }

    @Override
    public Uni<SecurityIdentity> augment(SecurityIdentity identity, AuthenticationRequestContext context) {
        if (identity.isAnonymous() || Caller.carriedBy(identity)
                || !(identity.getPrincipal() instanceof JsonWebToken token)) {
            return Uni.createFrom().item(identity);
        }
        Role role = Arrays.stream(Role.values())
                .filter(candidate -> identity.hasRole(candidate.label())
                        || identity.hasRole(PREFIX + candidate.label()))
                .max(Comparator.naturalOrder()).orElse(null);
        Object claimed = token.getClaim(config.oidc().projectClaim());
        String project = claimed == null ? config.defaultProject()
                : claimed instanceof JsonString text ? text.getString() : claimed.toString();
        return Uni.createFrom().item(new Caller("oidc:" + identity.getPrincipal().getName(), project, role)
                .identity(identity));
    }
}
