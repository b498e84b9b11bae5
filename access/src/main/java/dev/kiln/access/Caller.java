package dev.kiln.access;

import dev.kiln.contracts.access.Role;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.runtime.QuarkusPrincipal;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;

/**
 * Who is calling, as every service sees it: a name (for logs and, later, the audit trail), the project the
 * credential acts in and its role there. Carried by the request's {@link SecurityIdentity}.
 *
 * @param name {@code token:<id>} for a Kiln API token, {@code oidc:<user>} for an OpenID Connect one
 * @param role null for an OpenID Connect caller whose token grants no Kiln role (every API refuses it)
 */
public record Caller(String name, String project, Role role) {

    private static final String PROJECT = "kiln.project";
    private static final String ROLE = "kiln.role";

    /** Whether the identity already carries a caller (a Kiln API token's); an OpenID Connect one is given one. */
    static boolean carriedBy(SecurityIdentity identity) {
        return identity.getAttribute(PROJECT) != null;
    }

    /** The caller behind an authenticated identity. */
    public static Caller of(SecurityIdentity identity) {
        if (identity.isAnonymous()) {
            throw new IllegalStateException("No caller: the request is anonymous");
        }
        return new Caller(identity.getPrincipal().getName(), identity.getAttribute(PROJECT),
                identity.getAttribute(ROLE));
    }

    /** The project an authenticated identity's caller acts in: only its resources are seen. */
    public static String projectOf(SecurityIdentity identity) {
        return of(identity).project();
    }

    /** The identity Quarkus checks {@code @RolesAllowed} against: the role and every role it includes. */
    public SecurityIdentity identity() {
        return carry(QuarkusSecurityIdentity.builder().setPrincipal(new QuarkusPrincipal(name)));
    }

    /**
     * The authenticated identity with this caller on it, its own roles replaced by the role and every role it
     * includes (an issuer's other roles mean nothing to Kiln).
     */
    SecurityIdentity identity(SecurityIdentity authenticated) {
        return carry(QuarkusSecurityIdentity.builder().setPrincipal(new QuarkusPrincipal(name))
                .addCredentials(authenticated.getCredentials()));
    }

    private SecurityIdentity carry(QuarkusSecurityIdentity.Builder builder) {
        builder.addAttribute(PROJECT, project).setAnonymous(false);
        if (role != null) {
            builder.addRoles(role.granted()).addAttribute(ROLE, role);
        }
        return builder.build();
    }
}
