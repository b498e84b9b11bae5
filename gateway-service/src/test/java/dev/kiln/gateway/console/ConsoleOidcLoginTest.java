package dev.kiln.gateway.console;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;

import dev.kiln.infra.kafka.KafkaTestResource;
import dev.kiln.infra.postgres.PostgresTestResource;
import dev.kiln.infra.s3.S3TestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The console with an identity provider configured ({@code kiln.console.oidc.*}): the login page offers it, with what
 * the script needs to start the login, and every page may reach the provider's origin, and only that besides the
 * gateway and the inference service. The login itself runs in a real browser against a real Keycloak in ./kiln
 * check-console; LocalKeycloakTest checks the realm's console client.
 */
@QuarkusTest
@TestProfile(ConsoleOidcLoginTest.WithIdentityProvider.class)
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(PostgresTestResource.class)
@QuarkusTestResource(S3TestResource.class)
class ConsoleOidcLoginTest {

    public static class WithIdentityProvider implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("kiln.console.oidc.issuer", "https://id.example.com:8443/realms/kiln/",
                    "kiln.console.oidc.client-id", "kiln-console", "kiln.console.oidc.name", "Example ID");
        }
    }

    @Test
    void theLoginPageOffersTheIdentityProviderBesideTheToken() {
        String html = given().when().get("/console/login").then().statusCode(200).extract().asString();
        assertThat(html).contains(">Log in with Example ID</button>")
                .contains("data-issuer=\"https://id.example.com:8443/realms/kiln\"")
                .contains("data-client=\"kiln-console\"")
                .contains("id=\"login-form\"");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/console/login", "/console/login/callback", "/console/runs", "/console/playground"})
    void everyPageMayCallTheProvidersOriginAndNothingElseNew(String path) {
        given().when().get(path).then().statusCode(200)
                .header("Content-Security-Policy", containsString(
                        "connect-src 'self' http://localhost:8082 https://id.example.com:8443;"))
                .header("Content-Security-Policy", containsString("script-src 'self';"));
    }
}
