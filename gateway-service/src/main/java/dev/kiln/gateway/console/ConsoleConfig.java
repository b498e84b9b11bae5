package dev.kiln.gateway.console;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.net.URI;
import java.util.Optional;

/** The web console's settings ({@code kiln.console.*}). */
@ConfigMapping(prefix = "kiln.console")
public interface ConsoleConfig {

    /**
     * The inference service as the browser reaches it: the playground and "inside the model" call it directly
     * (it must allow the console's origin: {@code quarkus.http.cors.origins} there).
     */
    @WithDefault("http://localhost:8082")
    String inferenceUrl();

    /** Logging in with an OpenID Connect identity provider, besides pasting a token. */
    Oidc oidc();

    /**
     * The identity provider the login page offers ("Log in with ..."), when both its issuer and the console's client
     * are set. The browser runs the authorization code flow with PKCE itself, as a public client: the provider must
     * accept {@code <console origin>/console/login/callback} as a redirect URI, allow the console's origin at its
     * token endpoint (CORS), and issue access tokens the services trust ({@code quarkus.oidc.auth-server-url}).
     */
    interface Oidc {

        /** The issuer (for Keycloak {@code https://<host>/realms/<realm>}); its origin joins the pages' connect-src. */
        Optional<URI> issuer();

        /** The console's client at the provider: a public client (no secret), PKCE with S256. */
        Optional<String> clientId();

        /** The provider's name on the button; the issuer's host without it. */
        Optional<String> name();
    }
}
