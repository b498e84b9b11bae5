package dev.kiln.gateway.access;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.is;

import dev.kiln.access.testing.AuthorizationMatrix;
import dev.kiln.access.testing.OidcIssuerTestResource;
import dev.kiln.access.testing.TestTokens;
import dev.kiln.contracts.access.Role;
import dev.kiln.infra.kafka.KafkaTestResource;
import dev.kiln.infra.postgres.PostgresTestResource;
import dev.kiln.infra.s3.S3TestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.net.URL;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The gateway trusting an OpenID Connect issuer: its tokens' roles and project, beside Kiln's own tokens. */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(PostgresTestResource.class)
@QuarkusTestResource(S3TestResource.class)
// Only here: every other test runs as a deployment without an issuer does.
@QuarkusTestResource(value = OidcIssuerTestResource.class, restrictToAnnotatedClass = true)
class OidcAccessTest {

    @TestHTTPResource("/")
    URL base;

    @Test
    void theIssuersTokensAnswerEveryOperationAsKilnTokensOfTheSameRoleDo() throws Exception {
        // Roles as a realm may name them, plain or with the kiln- prefix.
        new AuthorizationMatrix(base.toURI()).check(GatewayAuthorizationMatrixTest.RULES,
                role -> OidcIssuerTestResource.token("user-" + role.label(),
                        Set.of(role == Role.MEMBER ? "kiln-member" : role.label(), "offline_access")));
    }

    @Test
    void anIssuersAdminActsInTheProjectItsTokenNames() {
        String alice = OidcIssuerTestResource.token("alice", Set.of("admin"), Map.of("kiln_project", "vision-lab"),
                OidcIssuerTestResource.ISSUER);
        String token = given().header("Authorization", TestTokens.bearer(alice)).contentType(ContentType.JSON)
                .body("{\"name\": \"lab ci\", \"role\": \"viewer\"}").post("/api/v1/tokens").then().statusCode(201)
                .body("project", is("vision-lab")).body("createdBy", is("oidc:alice")).extract().path("token");
        given().header("Authorization", TestTokens.bearer(alice)).get("/api/v1/tokens").then().statusCode(200)
                .body("project", everyItem(is("vision-lab")));
        // The Kiln token it issued works beside the issuer's.
        given().header("Authorization", TestTokens.bearer(token)).get("/api/v1/runs").then().statusCode(200);
    }

    @Test
    void aTokenWithoutAKilnRoleOrFromAnotherIssuerIsRefused() {
        given().header("Authorization", TestTokens.bearer(OidcIssuerTestResource.token("mallory",
                Set.of("offline_access")))).get("/api/v1/runs").then().statusCode(403)
                .body("detail", is("oidc:mallory has no Kiln role (viewer, member, maintainer or admin) in project"
                        + " default"));
        given().header("Authorization", TestTokens.bearer(OidcIssuerTestResource.token("eve", Set.of("admin"),
                Map.of(), "https://elsewhere.example.com"))).get("/api/v1/runs").then().statusCode(401)
                .body("detail", is("The bearer token is not valid: not a Kiln API token, nor a token of the"
                        + " configured OpenID Connect issuer (check its expiry, issuer, audience and signature)"));
    }
}
