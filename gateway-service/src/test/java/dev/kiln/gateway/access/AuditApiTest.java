package dev.kiln.gateway.access;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;

import dev.kiln.access.testing.TestTokens;
import dev.kiln.contracts.access.Role;
import dev.kiln.contracts.audit.AuditEventV1;
import dev.kiln.contracts.messaging.Json;
import dev.kiln.contracts.messaging.Topics;
import dev.kiln.infra.kafka.KafkaTestResource;
import dev.kiln.infra.kafka.TopicReader;
import dev.kiln.infra.postgres.PostgresTestResource;
import dev.kiln.infra.s3.S3TestResource;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/** The audit trail: requests that could change something, answered or refused, in PostgreSQL and on its topic. */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(PostgresTestResource.class)
@QuarkusTestResource(S3TestResource.class)
class AuditApiTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String RUN = "{\"spec\": {\"dataset\": \"mnist-sample\", \"model\": \"mlp\", \"epochs\": 1}}";

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @Inject
    EntityManager em;

    @Test
    void mutatingRequestsAreAuditedWithWhoWhatOutcomeAndWhereReadsAreNot() {
        String member = TestTokens.issue(Role.MEMBER);
        String run = given().header("Authorization", TestTokens.bearer(member)).contentType(ContentType.JSON)
                .body(RUN).post("/api/v1/runs").then().statusCode(202).extract().path("id");
        String memberName = given().header("Authorization", TestTokens.bearer(member)).get("/api/v1/runs/" + run)
                .then().extract().path("submittedBy");
        given().header("Authorization", TestTokens.bearer(TestTokens.issue(Role.MEMBER))).post("/api/v1/runs/" + run
                + "/cancel").then().statusCode(403);
        given().header("Authorization", TestTokens.bearer(TestTokens.issue(Role.VIEWER)))
                .contentType(ContentType.JSON).body(RUN).post("/api/v1/runs").then().statusCode(403);

        List<Map<String, Object>> trail = await().atMost(WAIT).until(() -> entries(),
                entries -> entries.stream().anyMatch(e -> ("/api/v1/runs/" + run + "/cancel").equals(e.get("target"))));
        Map<String, Object> submitted = trail.stream().filter(e -> memberName.equals(e.get("actor"))).findFirst()
                .orElseThrow();
        assertThat(submitted).containsEntry("action", "POST /api/v1/runs").containsEntry("target", "/api/v1/runs")
                .containsEntry("status", 202).containsEntry("project", "default").containsKey("remote")
                .containsEntry("schema", AuditEventV1.SCHEMA);
        Map<String, Object> refused = trail.stream()
                .filter(e -> ("/api/v1/runs/" + run + "/cancel").equals(e.get("target"))).findFirst().orElseThrow();
        assertThat(refused).containsEntry("action", "POST /api/v1/runs/{id}/cancel").containsEntry("status", 403);
        assertThat(trail).as("reads are not audited")
                .noneMatch(e -> String.valueOf(e.get("action")).startsWith("GET "));
        assertThat(trail).anyMatch(e -> "POST /api/v1/runs".equals(e.get("action")) && e.get("status").equals(403));

        // On the audit topic too, keyed by project.
        var published = TopicReader.await(bootstrap, Topics.AUDIT,
                r -> r.value().contains("/api/v1/runs/" + run + "/cancel"), WAIT);
        assertThat(published.key()).isEqualTo("default");
        assertThat(Json.read(published.value(), AuditEventV1.class).status()).isEqualTo(403);

        // Another project's admin sees none of it.
        given().header("Authorization", TestTokens.bearer(TestTokens.issue(Role.ADMIN, "elsewhere")))
                .get("/api/v1/audit").then().statusCode(200).body("target", not(hasItem("/api/v1/runs/" + run + "/cancel")));
        given().header("Authorization", TestTokens.bearer(member)).get("/api/v1/audit").then().statusCode(403);
    }

    @Test
    void requestsWithoutAValidCredentialAreAuditedOutsideAnyProject() {
        given().contentType(ContentType.JSON).header("Authorization", "Bearer kiln_0123456789abcdef_nope")
                .body(RUN).post("/api/v1/studies").then().statusCode(401);
        await().atMost(WAIT).until(() -> QuarkusTransaction.requiringNew().call(() -> ((Number) em.createNativeQuery(
                "select count(*) from audit_events where actor = 'unauthenticated' and project is null"
                        + " and action = 'POST /api/v1/studies' and status = 401").getSingleResult()).intValue()) > 0);
        given().get("/api/v1/audit?limit=500").then().statusCode(200).body("actor", not(hasItem("unauthenticated")));
    }

    private static List<Map<String, Object>> entries() {
        return JsonPath.from(given().get("/api/v1/audit?limit=500").then().statusCode(200).extract().asString())
                .getList("$");
    }
}
