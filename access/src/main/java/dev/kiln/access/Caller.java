package dev.kiln.access;

import dev.kiln.contracts.access.Role;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.runtime.QuarkusPrincipal;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;

/**
 * Who is calling, as every service sees it: a name (for logs and, later, the audit trail), the project the
 * credential acts in and its role there. Carried by the request's {@link SecurityIdentity}.
 *
 * @param name {@code token:<id>} for a Kiln API token
 */
public record Caller(String name, String project, Role role) {

    private static final String PROJECT = "kiln.project";
    private static final String ROLE = "kiln.role";

    /** The caller behind an authenticated identity. */
    public static Caller of(SecurityIdentity identity) {
        if (identity.isAnonymous()) {
            throw new IllegalStateException("No caller: the request is anonymous");
        }
        return new Caller(identity.getPrincipal().getName(), identity.getAttribute(PROJECT),
                identity.getAttribute(ROLE));
    }

    /** The identity Quarkus checks {@code @RolesAllowed} against: the role and every role it includes. */
    public SecurityIdentity identity() {
        return QuarkusSecurityIdentity.builder().setPrincipal(new QuarkusPrincipal(name)).addRoles(role.granted())
                .addAttribute(PROJECT, project).addAttribute(ROLE, role).setAnonymous(false).build();
    }
}
