package dev.kiln.gateway.rollouts;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;

import dev.kiln.contracts.messaging.Json;
import dev.kiln.contracts.messaging.Topics;
import dev.kiln.contracts.models.ModelPromotedV1;
import dev.kiln.contracts.models.RolloutEventV1;
import dev.kiln.contracts.models.RolloutObservation;
import dev.kiln.gateway.StoredRuns;
import dev.kiln.infra.kafka.KafkaTestResource;
import dev.kiln.infra.kafka.TopicReader;
import dev.kiln.infra.postgres.PostgresTestResource;
import dev.kiln.infra.s3.S3TestResource;
import dev.kiln.store.progress.CheckpointRepository;
import dev.kiln.store.rollouts.RolloutRepository;
import dev.kiln.store.runs.RunRepository;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/**
 * Guarded rollouts in the gateway, against a real PostgreSQL and Kafka: a promotion starts a rollout under the
 * model's policy, the controller widens and completes a healthy one from the replicas' observations (written here as
 * replicas write them) and rolls a breaching one back with a ROLLBACK promotion, each step announced.
 */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(PostgresTestResource.class)
@QuarkusTestResource(S3TestResource.class)
class RolloutsTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @Inject
    RunRepository runs;

    @Inject
    CheckpointRepository checkpoints;

    @Inject
    RolloutRepository rollouts;

    @Test
    void aBadNameOrLimitIsA400NamingEachField() {
        given().get("/api/v1/models/Not A Name/rollouts?limit=0").then().statusCode(400)
                .body("violations.field", containsInAnyOrder("name", "limit"));
        given().get("/api/v1/models/no-such-model/rollouts").then().statusCode(404);
    }

    @Test
    void aHealthyCanaryWidensAndCompletesAndABreachingOneRollsBack() {
        String model = "canary-" + UUID.randomUUID().toString().substring(0, 8);
        given().contentType(ContentType.JSON).body("""
                {"metric": "test.accuracy", "autoPromote": false, "minImprovement": 0,
                 "rollout": {"mode": "CANARY", "steps": [20, 100], "stepSeconds": 1, "minRequests": 10,
                             "minAgreement": 0.8}}""").put("/api/v1/models/" + model + "/policy").then()
                .statusCode(200).body("policy.rollout.mode", is("CANARY"))
                .body("policy.rollout.maxErrorRate", is(0.01f));
        promote(model, StoredRuns.succeeded(runs, checkpoints, model, 0.9, 0.3));
        given().get("/api/v1/models/" + model + "/rollouts").then().statusCode(200).body("size()", is(0));

        // v2 goes out as a canary against v1.
        promote(model, StoredRuns.succeeded(runs, checkpoints, model, 0.92, 0.25));
        given().get("/api/v1/models/" + model).then().body("aliases.champion", is(2));
        RolloutEventV1 started = awaitRollout(model, RolloutEventV1.Type.STARTED, 2);
        assertThat(started.baselineVersion()).isEqualTo(1);
        assertThat(started.trafficPercent()).isEqualTo(20);
        given().get("/api/v1/models/" + model + "/rollouts").then().statusCode(200)
                .body("[0].state", is("RUNNING")).body("[0].candidateVersion", is(2))
                .body("[0].baselineVersion", is(1)).body("[0].trafficPercent", is(20))
                .body("[0].observed.requests", is(0));

        // Two replicas, healthy: it widens to 100%, then completes.
        observe(started.rolloutId(), 0, "replica-a", new RolloutObservation(6, 0, 4.0, 6, 6));
        observe(started.rolloutId(), 0, "replica-b", new RolloutObservation(6, 0, 9.0, 6, 5));
        RolloutEventV1 widened = awaitRollout(model, RolloutEventV1.Type.WIDENED, 2);
        assertThat(widened.trafficPercent()).isEqualTo(100);
        assertThat(widened.observed()).isEqualTo(new RolloutObservation(12, 0, 9.0, 12, 11));
        observe(started.rolloutId(), 1, "replica-a", new RolloutObservation(20, 0, 5.0, 20, 19));
        awaitRollout(model, RolloutEventV1.Type.COMPLETED, 2);
        given().get("/api/v1/models/" + model + "/rollouts").then().body("[0].state", is("COMPLETED"))
                .body("[0].trafficPercent", is(100))
                .body("[0].reason", containsString("healthy over 20 requests"));

        // v3 disagrees with v2 on most images: rolled back to v2.
        promote(model, StoredRuns.succeeded(runs, checkpoints, model, 0.95, 0.2));
        RolloutEventV1 third = awaitRollout(model, RolloutEventV1.Type.STARTED, 3);
        assertThat(third.baselineVersion()).isEqualTo(2);
        observe(third.rolloutId(), 0, "replica-a", new RolloutObservation(12, 0, 3.0, 12, 2));
        RolloutEventV1 rolledBack = awaitRollout(model, RolloutEventV1.Type.ROLLED_BACK, 3);
        assertThat(rolledBack.reason()).contains("agreement 0.167").contains("minAgreement 0.8");
        ModelPromotedV1 rollback = awaitPromotion(model, 2, ModelPromotedV1.Reason.ROLLBACK);
        assertThat(rollback.previousVersion()).isEqualTo(3);
        given().get("/api/v1/models/" + model).then().body("aliases.champion", is(2));
        given().get("/api/v1/models/" + model + "/promotions").then()
                .body("[0].reason", is("ROLLBACK")).body("[0].version", is(2));
        given().get("/api/v1/models/" + model + "/rollouts").then().body("[0].state", is("ROLLED_BACK"))
                .body("[0].trafficPercent", is(0)).body("[0].step", is(0))
                .body("state", hasItem("COMPLETED"));
    }

    @Test
    void aPromotionSupersedesARolloutAndCanAskToGoOutAtOnce() {
        String model = "shadow-" + UUID.randomUUID().toString().substring(0, 8);
        given().contentType(ContentType.JSON).body("""
                {"metric": "test.accuracy", "autoPromote": false, "minImprovement": 0,
                 "rollout": {"mode": "SHADOW", "stepSeconds": 600}}""").put("/api/v1/models/" + model + "/policy")
                .then().statusCode(200).body("policy.rollout.minRequests", is(100));
        promote(model, StoredRuns.succeeded(runs, checkpoints, model, 0.9, 0.3));
        promote(model, StoredRuns.succeeded(runs, checkpoints, model, 0.91, 0.3));
        RolloutEventV1 shadow = awaitRollout(model, RolloutEventV1.Type.STARTED, 2);
        assertThat(shadow.trafficPercent()).as("a shadow answers no request").isZero();

        // A fix goes out at once: the shadow is superseded, no rollout starts.
        UUID fix = StoredRuns.succeeded(runs, checkpoints, model, 0.93, 0.3);
        given().contentType(ContentType.JSON).body("{\"runId\": \"" + fix + "\", \"rollout\": \"IMMEDIATE\"}")
                .post("/api/v1/models/" + model + "/promote").then().statusCode(200).body("version", is(3));
        awaitRollout(model, RolloutEventV1.Type.SUPERSEDED, 2);
        given().get("/api/v1/models/" + model + "/rollouts").then().body("size()", is(1))
                .body("[0].state", is("SUPERSEDED"));
    }

    @Test
    void aRolloutPolicyIsCheckedFieldByField() {
        given().contentType(ContentType.JSON).body("""
                {"metric": "test.accuracy", "autoPromote": true, "minImprovement": 0,
                 "rollout": {"mode": "CANARY", "steps": [50, 20], "maxErrorRate": 2, "minRequests": 0}}""")
                .put("/api/v1/models/bad-rollout/policy").then().statusCode(400)
                .body("violations.field", hasItem("rollout.steps"))
                .body("violations.field", hasItem("rollout.maxErrorRate"))
                .body("violations.field", hasItem("rollout.minRequests"));
        given().contentType(ContentType.JSON).body("""
                {"metric": "test.accuracy", "autoPromote": true, "minImprovement": 0,
                 "rollout": {"mode": "BLUE_GREEN"}}""")
                .put("/api/v1/models/bad-rollout/policy").then().statusCode(400)
                .body("violations.field", hasItem("rollout.mode"));
        given().contentType(ContentType.JSON).body("{\"version\": 1, \"alias\": \"staging\", \"rollout\": \"CANARY\"}")
                .post("/api/v1/models/bad-rollout/promote").then().statusCode(400)
                .body("violations.field", hasItem("rollout"));
    }

    private static void promote(String model, UUID run) {
        given().contentType(ContentType.JSON).body("{\"runId\": \"" + run + "\"}")
                .post("/api/v1/models/" + model + "/promote").then().statusCode(200);
    }

    private void observe(UUID rollout, int step, String replica, RolloutObservation totals) {
        QuarkusTransaction.requiringNew().run(() -> rollouts.observe(rollout, step, replica, totals, Instant.now()));
    }

    private RolloutEventV1 awaitRollout(String model, RolloutEventV1.Type type, int candidate) {
        ConsumerRecord<String, String> record = TopicReader.await(bootstrap, Topics.MODEL_ROLLOUTS, r -> {
            RolloutEventV1 event = Json.read(r.value(), RolloutEventV1.class);
            return model.equals(r.key()) && event.type() == type && event.candidateVersion() == candidate;
        }, WAIT);
        assertThat(record).as("%s of v%d of %s", type, candidate, model).isNotNull();
        assertThat(TopicReader.header(record, "ce_type")).isEqualTo(Json.read(record.value(), RolloutEventV1.class)
                .eventType());
        return Json.read(record.value(), RolloutEventV1.class);
    }

    private ModelPromotedV1 awaitPromotion(String model, int version, ModelPromotedV1.Reason reason) {
        ConsumerRecord<String, String> record = TopicReader.await(bootstrap, Topics.MODEL_PROMOTIONS, r -> {
            ModelPromotedV1 promotion = Json.read(r.value(), ModelPromotedV1.class);
            return (model + "/champion").equals(r.key()) && promotion.version() == version
                    && promotion.reason() == reason;
        }, WAIT);
        assertThat(record).as("%s promotion of %s to v%d", reason, model, version).isNotNull();
        return Json.read(record.value(), ModelPromotedV1.class);
    }
}
