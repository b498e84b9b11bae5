package dev.kiln.access;

import io.quarkus.arc.Arc;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import io.quarkus.security.identity.SecurityIdentity;

/**
 * What a refused request is told, the same from every service (each writes it in its own error format): a 401
 * with the {@link BearerTokenMechanism#CHALLENGE challenge} for a missing or invalid credential, a 403 naming
 * the caller's role for one that is valid but not enough.
 */
public record AccessDenial(int status, String title, String detail) {

    /** A request with no credential. */
    public static AccessDenial of(UnauthorizedException e) {
        return new AccessDenial(401, "Unauthorized",
                "This API needs a token: send \"Authorization: Bearer <token>\" (./kiln token create makes one)");
    }

    /**
     * A credential that is not valid: a Kiln API token unknown, wrong, revoked or expired (said as such), or a token
     * the OpenID Connect issuer's keys and claims do not accept (its library's reasons are not passed on).
     */
    public static AccessDenial of(AuthenticationFailedException e) {
        return new AccessDenial(401, "Unauthorized", TokenRefusals.byKiln(e) ? e.getMessage()
                : "The bearer token is not valid: not a Kiln API token, nor a token of the configured OpenID Connect"
                        + " issuer (check its expiry, issuer, audience and signature)");
    }

    /** A valid credential whose role does not allow the operation (called while the request is handled). */
    public static AccessDenial of(ForbiddenException e) {
        if (e instanceof NotPermitted why) {
            return new AccessDenial(403, "Forbidden", why.getMessage());
        }
        // Exception mappers cannot take the identity as a parameter; the request's identity is in its context.
        SecurityIdentity identity = Arc.container().instance(SecurityIdentity.class).get();
        if (identity.isAnonymous()) {
            return of(new UnauthorizedException());
        }
        Caller caller = Caller.of(identity);
        if (caller.role() == null) {
            return new AccessDenial(403, "Forbidden", caller.name() + " has no Kiln role (viewer, member, maintainer"
                    + " or admin) in project " + caller.project());
        }
        return new AccessDenial(403, "Forbidden", "The role " + caller.role().label() + " in project "
                + caller.project() + " does not allow this operation");
    }

    /** The {@code WWW-Authenticate} value a 401 carries; null for a 403. */
    public String challenge() {
        return status == 401 ? BearerTokenMechanism.CHALLENGE : null;
    }
}
