package dev.kiln.gateway.console;

import io.quarkus.vertx.http.runtime.filters.Filters;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.net.URI;

/**
 * How people log in to the console, and what its pages may reach: the identity provider the login page offers
 * (none unless {@code kiln.console.oidc.issuer} and {@code kiln.console.oidc.client-id} are both set), and the
 * Content-Security-Policy of every {@code /console} page. Scripts come only from the gateway itself (the token lives
 * in the tab's sessionStorage: no inline or foreign script may read it); the pages call the API, the inference
 * service and, for a login, the identity provider's origin (its discovery document and token endpoint); images come
 * from the API as blob URLs.
 */
@ApplicationScoped
public class ConsoleLogin {

    /** The identity provider the login page offers: its issuer (no trailing slash), the console's client, a name. */
    public record Provider(String issuer, String clientId, String name) {
    }

    private final Provider provider;
    private final String policy;

    public ConsoleLogin(ConsoleConfig config) {
        this.provider = provider(config.oidc());
        this.policy = policy(config.inferenceUrl(), provider);
    }

    /** The identity provider offered, or null. */
    public Provider provider() {
        return provider;
    }

    public String policy() {
        return policy;
    }

    static Provider provider(ConsoleConfig.Oidc oidc) {
        if (oidc.issuer().isEmpty() && oidc.clientId().isEmpty()) {
            return null;
        }
        // Half a configuration is a mistake to report at start, not a login button that cannot work.
        URI issuer = oidc.issuer().orElseThrow(() -> new IllegalStateException(
                "kiln.console.oidc.client-id is set but kiln.console.oidc.issuer is not: set both, or neither"));
        String client = oidc.clientId().orElseThrow(() -> new IllegalStateException(
                "kiln.console.oidc.issuer is set but kiln.console.oidc.client-id is not: set both, or neither"));
        if (issuer.getHost() == null || !("https".equals(issuer.getScheme()) || "http".equals(issuer.getScheme()))) {
            throw new IllegalStateException("kiln.console.oidc.issuer must be an http(s) URL, not " + issuer);
        }
        return new Provider(issuer.toString().replaceAll("/+$", ""), client, oidc.name().orElse(issuer.getHost()));
    }

    static String policy(String inferenceUrl, Provider provider) {
        String connect = "'self' " + inferenceUrl + (provider == null ? "" : " " + origin(URI.create(provider.issuer())));
        return "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' blob: data:; "
                + "connect-src " + connect + "; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
    }

    /** scheme://host[:port]: a CSP source without a path allows every path there (discovery, token endpoint). */
    private static String origin(URI uri) {
        return uri.getScheme() + "://" + uri.getRawAuthority().replaceFirst("^.*@", "");
    }

    /** The policy on every console response, set before the page's handler runs (as quarkus.http.header does). */
    void securityHeaders(@Observes Filters filters) {
        filters.register(context -> {
            String path = context.normalizedPath();
            if (path.equals("/console") || path.startsWith("/console/")) {
                context.response().headers().set("Content-Security-Policy", policy);
            }
            context.next();
        }, 10);
    }
}
