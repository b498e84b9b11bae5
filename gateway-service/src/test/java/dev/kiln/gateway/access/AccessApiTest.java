package dev.kiln.gateway.access;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;

import dev.kiln.access.AdminTokenBootstrap;
import dev.kiln.access.ApiTokenSecrets;
import dev.kiln.access.ApiTokens;
import dev.kiln.access.testing.TestTokens;
import dev.kiln.contracts.access.Role;
import dev.kiln.infra.kafka.KafkaTestResource;
import dev.kiln.infra.postgres.PostgresTestResource;
import dev.kiln.infra.s3.S3TestResource;
import dev.kiln.store.NativeRows;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Kiln API tokens through the gateway's API, checked against what its PostgreSQL holds. */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(PostgresTestResource.class)
@QuarkusTestResource(S3TestResource.class)
class AccessApiTest {

    @TestHTTPResource("/")
    URL base;

    @Inject
    EntityManager em;

    @Inject
    ApiTokens tokens;

    @Inject
    AdminTokenBootstrap bootstrap;

    @Test
    void aTokenIsShownOnceKeptAsItsDigestAndRecordsItsUse() {
        String token = given().contentType(ContentType.JSON)
                .body("{\"name\": \"ci pipeline\", \"role\": \"member\", \"expiresInDays\": 7}")
                .post("/api/v1/tokens").then().statusCode(201)
                .header("Location", containsString("/api/v1/tokens/"))
                .body("role", is("member")).body("project", is("default")).body("name", is("ci pipeline"))
                .body("createdBy", startsWith("token:")).body("lastUsedAt", nullValue())
                .body("token", startsWith(ApiTokenSecrets.PREFIX)).extract().path("token");
        String id = ApiTokenSecrets.idOf(token);

        Object[] stored = QuarkusTransaction.requiringNew().call(() -> (Object[]) em.createNativeQuery(
                "select secret_sha256, expires_at from api_tokens where id = ?1").setParameter(1, id)
                .getSingleResult());
        assertThat(stored[0]).isEqualTo(ApiTokenSecrets.sha256(token));
        assertThat(stored[0].toString()).doesNotContain(token.substring(22));
        assertThat(Duration.between(Instant.now(), NativeRows.instant(stored[1])))
                .isBetween(Duration.ofDays(7).minusMinutes(5), Duration.ofDays(7));

        // A member reads and submits; it may not manage tokens or promote.
        given().header("Authorization", TestTokens.bearer(token)).get("/api/v1/runs").then().statusCode(200);
        given().header("Authorization", TestTokens.bearer(token)).get("/api/v1/tokens").then().statusCode(403)
                .body("detail", is("The role member in project default does not allow this operation"));
        given().header("Authorization", TestTokens.bearer(token)).contentType(ContentType.JSON).body("{}")
                .post("/api/v1/models/digits/promote").then().statusCode(403);

        // Last uses are written in the background (every kiln.access.token-cache-ttl, 1 s in tests).
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> given().get("/api/v1/tokens").then()
                .statusCode(200).body("find { it.id == '" + id + "' }.lastUsedAt", notNullValue())
                .body("token", everyItem(nullValue())));
    }

    @Test
    void aRevokedTokenIsRefusedAtOnce() {
        String token = TestTokens.issue(Role.VIEWER);
        String id = ApiTokenSecrets.idOf(token);
        given().header("Authorization", TestTokens.bearer(token)).get("/api/v1/models").then().statusCode(200);

        given().delete("/api/v1/tokens/" + id).then().statusCode(204);
        given().header("Authorization", TestTokens.bearer(token)).get("/api/v1/models").then().statusCode(401)
                .header("WWW-Authenticate", startsWith("Bearer"))
                .body("detail", startsWith("The token " + id + " was revoked at"));
        given().delete("/api/v1/tokens/" + id).then().statusCode(404)
                .body("detail", is("No active token " + id + " in project default"));
        given().get("/api/v1/tokens").then().body("find { it.id == '" + id + "' }.revokedAt", notNullValue());
    }

    @Test
    void anExpiredTokenOrAnotherSchemeIsRefused() {
        String expired = tokens.issue("old", "default", Role.ADMIN, Instant.now().minusSeconds(1), "test").token();
        given().header("Authorization", TestTokens.bearer(expired)).get("/api/v1/runs").then().statusCode(401)
                .body("detail", containsString("expired at"));
        given().header("Authorization", "Basic YWRtaW46YWRtaW4=").get("/api/v1/runs").then().statusCode(401)
                .body("detail", is("The Authorization header must be \"Bearer <token>\""));
        given().header("Authorization", "Bearer not-a-kiln-token").get("/api/v1/runs").then().statusCode(401)
                .body("detail", is("The bearer token is not a Kiln API token"));
    }

    @Test
    void withoutATokenEveryApiIsRefusedButHealthMetricsAndTheDocumentAreOpen() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> refused = http.send(HttpRequest.newBuilder(base.toURI().resolve("/api/v1/runs"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(refused.statusCode()).isEqualTo(401);
        assertThat(refused.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"kiln\"");
        assertThat(refused.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(refused.body()).contains("send \\\"Authorization: Bearer <token>\\\"");
        for (String open : new String[] {"/q/health/ready", "/q/health/live", "/q/metrics", "/q/openapi"}) {
            assertThat(http.send(HttpRequest.newBuilder(base.toURI().resolve(open)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode()).as(open).isEqualTo(200);
        }
    }

    @Test
    void aTokenRequestNamesEveryWrongField() {
        ValidatableResponse refused = given().contentType(ContentType.JSON)
                .body("{\"name\": \"\", \"role\": \"owner\", \"expiresInDays\": 0}").post("/api/v1/tokens").then()
                .statusCode(400);
        refused.body("violations.field", containsInAnyOrder("name", "role", "expiresInDays"))
                .body("violations.find { it.field == 'role' }.message",
                        is("must be one of viewer, member, maintainer, admin"));
        given().contentType(ContentType.JSON).post("/api/v1/tokens").then().statusCode(400)
                .body("violations.field", containsInAnyOrder("name", "role"));
    }

    @Test
    void theBootstrapKeepsAValidAdminTokenRegistersAMintedOneAndReplacesAnythingElse(@TempDir Path dir)
            throws Exception {
        Path file = dir.resolve("state/admin-token");
        bootstrap.ensureAdminToken(file);
        String first = Files.readString(file).trim();
        assertThat(Files.getPosixFilePermissions(file)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        given().header("Authorization", TestTokens.bearer(first)).get("/api/v1/tokens").then().statusCode(200);

        bootstrap.ensureAdminToken(file);
        assertThat(Files.readString(file).trim()).isEqualTo(first);

        given().header("Authorization", TestTokens.bearer(first)).delete("/api/v1/tokens/"
                + ApiTokenSecrets.idOf(first)).then().statusCode(204);
        bootstrap.ensureAdminToken(file);
        String second = Files.readString(file).trim();
        assertThat(second).isNotEqualTo(first);
        given().header("Authorization", TestTokens.bearer(second)).get("/api/v1/tokens").then().statusCode(200);

        Files.writeString(file, TestTokens.issue(Role.MAINTAINER));
        bootstrap.ensureAdminToken(file);
        given().header("Authorization", TestTokens.bearer(Files.readString(file).trim())).get("/api/v1/tokens")
                .then().statusCode(200);

        // A cluster's Secret: a token minted offline, registered by the first start and kept as it is.
        String minted = ApiTokenSecrets.mint().token();
        Files.writeString(file, minted + "\n");
        bootstrap.ensureAdminToken(file);
        assertThat(Files.readString(file).trim()).isEqualTo(minted);
        given().header("Authorization", TestTokens.bearer(minted)).get("/api/v1/tokens").then().statusCode(200)
                .body("find { it.id == '" + ApiTokenSecrets.idOf(minted) + "' }.role", is("admin"));
    }
}
