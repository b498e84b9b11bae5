package dev.kiln.access;

import io.quarkus.security.AuthenticationFailedException;
import java.util.Map;

/**
 * Bearer tokens Kiln refused, marked so that why (in words the caller may read) is passed on; the reasons of the
 * OpenID Connect library are not.
 */
final class TokenRefusals {

    private static final String BY_KILN = "kiln.refused";

    private TokenRefusals() {
    }

    static AuthenticationFailedException refused(String why) {
        return new AuthenticationFailedException(why, Map.of(BY_KILN, true));
    }

    static boolean byKiln(AuthenticationFailedException e) {
        return Boolean.TRUE.equals(e.getAttribute(BY_KILN));
    }
}
