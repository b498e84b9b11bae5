package dev.kiln.gateway.access;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.is;

import dev.kiln.access.testing.TestTokens;
import dev.kiln.contracts.access.Role;
import dev.kiln.contracts.runs.RunStatus;
import dev.kiln.gateway.StoredRuns;
import dev.kiln.infra.kafka.KafkaTestResource;
import dev.kiln.infra.postgres.PostgresTestResource;
import dev.kiln.infra.s3.S3TestResource;
import dev.kiln.store.runs.Owner;
import dev.kiln.store.runs.RunRepository;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Quotas against the real store: project quota-test may have 2 runs active, studies of 2 parallel trials and 4
 * submissions a minute per caller; project quota-hours 1 trainer-hour a day (application.properties, %test).
 */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(PostgresTestResource.class)
@QuarkusTestResource(S3TestResource.class)
class QuotasApiTest {

    private static final String RUN = "{\"spec\": {\"dataset\": \"mnist-sample\", \"model\": \"mlp\", \"epochs\": 1}}";
    private static final String STUDY = "{\"base\": {\"dataset\": \"mnist-sample\", \"model\": \"mlp\", \"epochs\": 1},"
            + " \"algorithm\": \"grid\", \"parallelTrials\": %d, \"parameters\": [{\"name\": \"learningRate\","
            + " \"type\": \"categorical\", \"values\": [0.1, 0.05, 0.02]}]}";

    @Inject
    RunRepository runs;

    @Test
    void activeRunsStudyParallelismAndTheSubmissionRateAreEnforcedWithRetryAfter() {
        String member = TestTokens.issue(Role.MEMBER, "quota-test");
        String first = submit(member).then().statusCode(202).extract().path("id");
        submit(member).then().statusCode(202);
        submit(member).then().statusCode(429).header("Retry-After", "60")
                .body("detail", containsString("active-runs")).body("detail", containsString("2 runs queued"));
        as(member).get("/api/v1/quotas").then().statusCode(200).body("project", is("quota-test"))
                .body("limits.activeRuns", is(2)).body("usage.activeRuns", is(2));

        // A study asking more parallel trials than the quota is refused; one within it waits for room.
        as(TestTokens.issue(Role.MEMBER, "quota-test")).contentType(ContentType.JSON).body(STUDY.formatted(3))
                .post("/api/v1/studies").then().statusCode(429).body("detail", containsString("study-parallelism"));

        // The fourth submission of this minute by one caller is the last its rate allows, the fifth is refused.
        as(member).post("/api/v1/runs/" + first + "/cancel").then().statusCode(202);
        submit(member).then().statusCode(202);
        submit(member).then().statusCode(429).header("Retry-After", Integer::parseInt,
                greaterThanOrEqualTo(1)).body("detail", containsString("submissions-per-minute"));
    }

    @Test
    void trainerHoursOfTheLastDayAreCounted() {
        // A run of project quota-hours trained 70 minutes, ending 10 minutes ago.
        UUID id = UUID.randomUUID();
        Instant started = Instant.now().minus(Duration.ofMinutes(80)).truncatedTo(ChronoUnit.MICROS);
        QuarkusTransaction.requiringNew().run(() -> {
            runs.createQueued(id, StoredRuns.SPEC, new Owner("quota-hours", null), null, null, null, null, started);
            runs.claim(id, StoredRuns.WORKER, started);
            runs.start(id, StoredRuns.WORKER, "cpu", started);
            runs.finish(id, StoredRuns.WORKER, RunStatus.FAILED, null, "test", started.plus(Duration.ofMinutes(70)));
        });
        String member = TestTokens.issue(Role.MEMBER, "quota-hours");
        as(member).get("/api/v1/quotas").then().body("usage.trainerHoursLastDay", is(70 / 60.0f));
        submit(member).then().statusCode(429).header("Retry-After", "3600")
                .body("detail", containsString("trainer-hours-per-day")).body("detail", containsString("1.2 hours"));
    }

    @Test
    void aPausedTrialsWaitIsNotTrainingTime() {
        // Trained 20 minutes, paused 20, trained 20 more, paused for the last 20: 40 minutes of training.
        UUID id = UUID.randomUUID();
        Instant start = Instant.now().minus(Duration.ofMinutes(80)).truncatedTo(ChronoUnit.MICROS);
        QuarkusTransaction.requiringNew().run(() -> {
            runs.createQueued(id, StoredRuns.SPEC, new Owner("quota-paused", null), null, null, null, null, start);
            runs.claim(id, StoredRuns.WORKER, start);
            runs.start(id, StoredRuns.WORKER, "cpu", start);
            runs.pause(id, start.plus(Duration.ofMinutes(20)));
            runs.resume(id, start.plus(Duration.ofMinutes(40)));
            runs.claim(id, StoredRuns.WORKER, start.plus(Duration.ofMinutes(40)));
            runs.start(id, StoredRuns.WORKER, "cpu", start.plus(Duration.ofMinutes(40)));
            runs.pause(id, start.plus(Duration.ofMinutes(60)));
        });
        as(TestTokens.issue(Role.MEMBER, "quota-paused")).get("/api/v1/quotas").then()
                .body("usage.trainerHoursLastDay", is(40 / 60.0f));
    }

    private static io.restassured.response.Response submit(String token) {
        return as(token).contentType(ContentType.JSON).body(RUN).post("/api/v1/runs");
    }

    private static RequestSpecification as(String token) {
        return given().header("Authorization", TestTokens.bearer(token));
    }
}
