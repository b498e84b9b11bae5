package dev.kiln.access.testing;

import io.quarkus.test.oidc.server.OidcWiremockTestResource;
import io.smallrye.jwt.build.Jwt;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * An OpenID Connect issuer for a {@code @QuarkusTest} (Quarkus's test OIDC server: discovery and JWKS over HTTP,
 * tokens signed with its key), with the service pointed at it: its tokens are checked as any issuer's would be.
 */
public class OidcIssuerTestResource extends OidcWiremockTestResource {

    public static final String ISSUER = "https://server.example.com";

    @Override
    public Map<String, String> start() {
        Map<String, String> config = new HashMap<>(super.start());
        config.put("quarkus.oidc.tenant-enabled", "true");
        config.put("quarkus.oidc.auth-server-url", config.get("keycloak.url") + "/realms/quarkus/");
        config.put("quarkus.oidc.token.issuer", ISSUER);
        return config;
    }

    /** An access token of the issuer for the user with these roles ({@code groups}), valid for five minutes. */
    public static String token(String user, Set<String> roles) {
        return token(user, roles, Map.of(), ISSUER);
    }

    /** The same with more claims, as issued by {@code issuer} (another issuer's token must be refused). */
    public static String token(String user, Set<String> roles, Map<String, String> claims, String issuer) {
        var builder = Jwt.preferredUserName(user).subject(user).groups(roles).issuer(issuer).audience(ISSUER)
                .expiresIn(300);
        claims.forEach(builder::claim);
        return builder.jws().keyId("1").sign("privateKey.jwk");
    }
}
