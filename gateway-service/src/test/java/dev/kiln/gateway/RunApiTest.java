package dev.kiln.gateway;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.startsWith;

import dev.kiln.contracts.messaging.Json;
import dev.kiln.contracts.messaging.Topics;
import dev.kiln.contracts.runs.EpochMetrics;
import dev.kiln.contracts.runs.TrainRequestV1;
import dev.kiln.contracts.runs.TrainingSpec;
import dev.kiln.infra.kafka.KafkaTestResource;
import dev.kiln.infra.kafka.TopicReader;
import dev.kiln.infra.postgres.PostgresTestResource;
import dev.kiln.store.outbox.OutboxRepository;
import dev.kiln.store.progress.EpochRepository;
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

/** The gateway against a real PostgreSQL and a real Kafka broker. */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(PostgresTestResource.class)
class RunApiTest {

    private static final Duration KAFKA_WAIT = Duration.ofSeconds(30);

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @Inject
    OutboxRepository outbox;

    @Inject
    RunRepository runs;

    @Inject
    EpochRepository epochs;

    @Test
    void acceptedRunIsStoredQueuedAndPublishedToKafka() {
        var created = given().contentType(ContentType.JSON)
                .body("{\"spec\": {\"dataset\": \"fashion-mnist\", \"model\": \"mnist-cnn\", \"epochs\": 2}}")
                .post("/api/v1/runs")
                .then().statusCode(201)
                .body("status", is("QUEUED"))
                .body("spec.batchSize", is(64))
                .body("spec.optimizer", is("adam"))
                .extract();
        String id = created.path("id");
        assertThat(created.header("Location")).endsWith("/api/v1/runs/" + id);

        given().get("/api/v1/runs/" + id).then().statusCode(200)
                .body("id", is(id)).body("status", is("QUEUED")).body("spec.epochs", is(2));

        ConsumerRecord<String, String> record = TopicReader.await(bootstrap, Topics.TRAIN_REQUESTS,
                r -> id.equals(r.key()), KAFKA_WAIT);
        assertThat(record).as("train request for run %s on %s", id, Topics.TRAIN_REQUESTS).isNotNull();
        TrainRequestV1 request = Json.read(record.value(), TrainRequestV1.class).requireComplete();
        assertThat(request.runId()).hasToString(id);
        assertThat(request.spec()).isEqualTo(TrainingSpec.of("fashion-mnist", "mnist-cnn", 2, 64, "adam", 0.001, 42L).withDefaults());
    }

    @Test
    void messageLeftInTheOutboxByACrashIsPublishedLater() {
        UUID runId = UUID.randomUUID();
        TrainingSpec spec = TrainingSpec.of("mnist-sample", "mlp", 1, 20, "sgd", 0.01, 7L).withDefaults();
        // As if the gateway died right after committing: the row is stored, nobody triggered the relay.
        QuarkusTransaction.requiringNew().run(() -> outbox.enqueue(Topics.TRAIN_REQUESTS, runId.toString(),
                Json.write(TrainRequestV1.of(runId, spec, Instant.now())), Instant.now()));

        ConsumerRecord<String, String> record = TopicReader.await(bootstrap, Topics.TRAIN_REQUESTS,
                r -> runId.toString().equals(r.key()), KAFKA_WAIT);

        assertThat(record).as("relay publishes on its timer").isNotNull();
        assertThat(Json.read(record.value(), TrainRequestV1.class).spec()).isEqualTo(spec);
    }

    @Test
    void invalidSpecIsRejectedWithEveryFieldNamed() {
        given().contentType(ContentType.JSON)
                .body("{\"spec\": {\"dataset\": \"imagenet\", \"epochs\": 0, \"learningRate\": -1}}")
                .post("/api/v1/runs")
                .then().statusCode(400)
                .contentType(startsWith("application/problem+json"))
                .body("status", is(400))
                .body("violations.field", hasItems("spec.dataset", "spec.model", "spec.epochs", "spec.learningRate"))
                .body("violations.message", hasItem(containsString("imagenet")));
    }

    @Test
    void missingBodyNamesTheSpec() {
        given().contentType(ContentType.JSON).body("{}").post("/api/v1/runs")
                .then().statusCode(400).body("violations[0].field", is("spec"));
    }

    @Test
    void unreadableJsonIsA400NamingTheField() {
        given().contentType(ContentType.JSON).body("not json")
                .post("/api/v1/runs")
                .then().statusCode(400).body("violations[0].field", is("(body)"))
                .body("violations[0].message", startsWith("malformed JSON"));

        given().contentType(ContentType.JSON).body("{\"spec\": {\"dataset\": ")
                .post("/api/v1/runs")
                .then().statusCode(400).body("violations[0].field", is("spec"))
                .body("violations[0].message", startsWith("malformed JSON"));

        given().contentType(ContentType.JSON)
                .body("{\"spec\": {\"dataset\": \"fashion-mnist\", \"model\": \"mlp\", \"learning_rate\": 0.1}}")
                .post("/api/v1/runs")
                .then().statusCode(400).body("violations[0].field", is("spec.learning_rate"))
                .body("violations[0].message", containsString("learningRate"));

        given().contentType(ContentType.JSON)
                .body("{\"spec\": {\"dataset\": \"fashion-mnist\", \"model\": \"mlp\", \"epochs\": \"many\"}}")
                .post("/api/v1/runs")
                .then().statusCode(400).body("violations[0].field", is("spec.epochs"))
                .body("violations[0].message", containsString("integer"));
    }

    @Test
    void metricsListTheRecordedEpochsInOrder() {
        UUID runId = UUID.randomUUID();
        Instant now = Instant.now();
        QuarkusTransaction.requiringNew().run(() -> {
            runs.createQueued(runId, TrainingSpec.of("mnist-sample", "mlp", 2, 64, "sgd", 0.1, 1L).withDefaults(), now);
            // As a trainer records them, the later epoch first to show the order comes from the query.
            epochs.record(runId, 2, Json.write(new EpochMetrics(2, 0.3, 0.9, 0.35, 0.88, 0.1, 900, 50_000, 2.5)), now);
            epochs.record(runId, 1, Json.write(new EpochMetrics(1, 0.6, 0.8, 0.5, 0.84, 0.1, 800, 40_000, 3.0)), now);
        });

        given().get("/api/v1/runs/" + runId + "/metrics").then().statusCode(200)
                .body("epoch", contains(1, 2))
                .body("[0].validationAccuracy", is(0.84f))
                .body("[1].trainLoss", is(0.3f));
        given().get("/api/v1/runs/" + UUID.randomUUID() + "/metrics").then().statusCode(404);
        given().get("/api/v1/runs/" + runId).then().statusCode(200).body("epochsDone", is(0));
    }

    @Test
    void unknownOrMalformedRunIdsAreClientErrors() {
        given().get("/api/v1/runs/" + UUID.randomUUID()).then().statusCode(404)
                .contentType(startsWith("application/problem+json")).body("detail", startsWith("No run with id"));
        given().get("/api/v1/runs/not-a-uuid").then().statusCode(400).body("violations[0].field", is("id"));
    }

    @Test
    void listFiltersByStatusAndChecksItsParameters() {
        String id = given().contentType(ContentType.JSON)
                .body("{\"spec\": {\"dataset\": \"cifar10\", \"model\": \"lenet\"}}")
                .post("/api/v1/runs").then().statusCode(201).extract().path("id");

        given().get("/api/v1/runs?status=queued&limit=500").then().statusCode(200).body("id", hasItem(id));
        given().get("/api/v1/runs?status=bogus").then().statusCode(400).body("violations[0].field", is("status"));
        given().get("/api/v1/runs?limit=0").then().statusCode(400).body("violations[0].field", is("limit"));
    }

    @Test
    void healthOpenApiAndMetricsAreServed() {
        given().get("/q/health/ready").then().statusCode(200).body("status", is("UP"));
        given().get("/q/openapi").then().statusCode(200).body(containsString("/api/v1/runs"));
        given().get("/q/metrics").then().statusCode(200).body(containsString("kiln_outbox_published"));
    }
}
