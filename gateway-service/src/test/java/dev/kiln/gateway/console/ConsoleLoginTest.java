package dev.kiln.gateway.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The identity provider the login page offers, from kiln.console.oidc.*; the pages' policy with and without it. */
class ConsoleLoginTest {

    private static ConsoleConfig.Oidc oidc(String issuer, String client, String name) {
        return new ConsoleConfig.Oidc() {
            @Override
            public Optional<URI> issuer() {
                return Optional.ofNullable(issuer).map(URI::create);
            }

            @Override
            public Optional<String> clientId() {
                return Optional.ofNullable(client);
            }

            @Override
            public Optional<String> name() {
                return Optional.ofNullable(name);
            }
        };
    }

    @Test
    void noIssuerAndNoClientOfferNoProviderAndNoOtherOrigin() {
        assertThat(ConsoleLogin.provider(oidc(null, null, null))).isNull();
        assertThat(ConsoleLogin.policy("http://localhost:8082", null))
                .contains("connect-src 'self' http://localhost:8082;");
    }

    @Test
    void theProviderIsNamedAfterItsHostUnlessNamedAndOnlyItsOriginIsAllowed() {
        ConsoleLogin.Provider provider = ConsoleLogin.provider(oidc("http://127.0.0.1:18180/realms/kiln", "kiln-console",
                null));
        assertThat(provider).isEqualTo(new ConsoleLogin.Provider("http://127.0.0.1:18180/realms/kiln", "kiln-console",
                "127.0.0.1"));
        assertThat(ConsoleLogin.policy("http://localhost:8082", provider))
                .contains("connect-src 'self' http://localhost:8082 http://127.0.0.1:18180;");
    }

    @Test
    void halfAConfigurationStopsTheStart() {
        assertThatThrownBy(() -> ConsoleLogin.provider(oidc("https://id.example.com/realms/kiln", null, null)))
                .hasMessageContaining("kiln.console.oidc.client-id");
        assertThatThrownBy(() -> ConsoleLogin.provider(oidc(null, "kiln-console", null)))
                .hasMessageContaining("kiln.console.oidc.issuer");
        assertThatThrownBy(() -> ConsoleLogin.provider(oidc("id.example.com", "kiln-console", null)))
                .hasMessageContaining("http(s) URL");
    }
}
