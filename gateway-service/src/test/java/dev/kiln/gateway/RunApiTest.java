package dev.kiln.gateway;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.startsWith;

import dev.kiln.contracts.datasets.DatasetPin;
import dev.kiln.contracts.messaging.Json;
import dev.kiln.contracts.messaging.Topics;
import dev.kiln.contracts.runs.EpochMetrics;
import dev.kiln.contracts.runs.RunCommandV1;
import dev.kiln.contracts.runs.RunEventType;
import dev.kiln.contracts.runs.RunEventV1;
import dev.kiln.contracts.runs.TrainRequestV1;
import dev.kiln.contracts.runs.TrainingSpec;
import dev.kiln.infra.kafka.KafkaTestResource;
import dev.kiln.infra.kafka.TopicReader;
import dev.kiln.infra.postgres.PostgresTestResource;
import dev.kiln.infra.s3.S3TestResource;
import dev.kiln.messaging.OutboxRelay;
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
import java.util.List;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/** The gateway against a real PostgreSQL and a real Kafka broker. */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(PostgresTestResource.class)
@QuarkusTestResource(S3TestResource.class)
class RunApiTest {

    private static final Duration KAFKA_WAIT = Duration.ofSeconds(30);

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @Inject
    OutboxRepository outbox;

    @Inject
    OutboxRelay relay;

    @Inject
    RunRepository runs;

    @Inject
    EpochRepository epochs;

    @Test
    void acceptedRunIsStoredQueuedAndPublishedToKafka() {
        var created = given().contentType(ContentType.JSON)
                .body("{\"spec\": {\"dataset\": \"fashion-mnist\", \"model\": \"mnist-cnn\", \"epochs\": 2}}")
                .post("/api/v1/runs")
                .then().statusCode(202)
                .body("status", is("QUEUED"))
                .body("spec.batchSize", is(64))
                .body("spec.optimizer", is("adam"))
                .extract();
        String id = created.path("id");
        assertThat(created.header("Location")).endsWith("/api/v1/runs/" + id);
        assertThat(created.<String>path("links.metrics")).isEqualTo("/api/v1/runs/" + id + "/metrics");
        assertThat(created.<String>path("links.events")).isEqualTo("/api/v1/runs/" + id + "/events");

        given().get("/api/v1/runs/" + id).then().statusCode(200)
                .body("id", is(id)).body("status", is("QUEUED")).body("spec.epochs", is(2));

        ConsumerRecord<String, String> record = TopicReader.await(bootstrap, Topics.TRAIN_REQUESTS,
                r -> id.equals(r.key()), KAFKA_WAIT);
        assertThat(record).as("train request for run %s on %s", id, Topics.TRAIN_REQUESTS).isNotNull();
        TrainRequestV1 request = Json.read(record.value(), TrainRequestV1.class).requireComplete();
        assertThat(request.runId()).hasToString(id);
        ConsumerRecord<String, String> queued = TopicReader.await(bootstrap, Topics.RUN_EVENTS,
                r -> id.equals(r.key()), KAFKA_WAIT);
        assertThat(Json.read(queued.value(), RunEventV1.class).type()).isEqualTo(RunEventType.QUEUED);
        given().get("/api/v1/runs/" + id).then().body("checkpoints", empty());
        // The built-in data set is a registered version like any other: the run is pinned to it.
        DatasetPin pin = request.spec().data();
        assertThat(pin.version()).isEqualTo("fashion-mnist@1");
        assertThat(List.of(pin.trainSize(), pin.testSize(), pin.classes())).containsExactly(60_000, 10_000, 10);
        assertThat(request.spec()).isEqualTo(TrainingSpec.of("fashion-mnist", "mnist-cnn", 2, 64, "adam", 0.001, 42L)
                .pinnedTo(pin).withDefaults());
        assertThat(request.spec().normalization()).isEqualTo("mnist");
    }

    @Test
    void messageLeftInTheOutboxByACrashIsPublishedLater() {
        UUID runId = UUID.randomUUID();
        TrainingSpec spec = TrainingSpec.of("mnist-sample", "mlp", 1, 20, "sgd", 0.01, 7L).withDefaults();
        // As if the gateway died right after committing: the row is stored, nobody triggered the relay.
        QuarkusTransaction.requiringNew().run(() -> outbox.enqueue(TrainRequestV1.of(runId, spec, Instant.now()),
                Instant.now()));

        ConsumerRecord<String, String> record = TopicReader.await(bootstrap, Topics.TRAIN_REQUESTS,
                r -> runId.toString().equals(r.key()), KAFKA_WAIT);

        assertThat(record).as("relay publishes on its timer").isNotNull();
        assertThat(Json.read(record.value(), TrainRequestV1.class).spec()).isEqualTo(spec);
    }

    @Test
    void publishedRowsAreDeletedOnceOldAndOthersKept() {
        Instant longAgo = Instant.now().minus(Duration.ofDays(3));
        String old = UUID.randomUUID().toString();
        String recent = UUID.randomUUID().toString();
        QuarkusTransaction.requiringNew().run(() -> {
            outbox.enqueue(RunEventV1.of(UUID.fromString(old), RunEventType.CLAIMED, "purge-test", longAgo), longAgo);
            outbox.enqueue(RunEventV1.of(UUID.fromString(recent), RunEventType.CLAIMED, "purge-test", longAgo), longAgo);
            outbox.update("publishedAt = ?1 where messageKey = ?2", longAgo, old);
        });

        relay.purgePublishedBefore(Instant.now().minus(Duration.ofDays(1)));

        assertThat(QuarkusTransaction.requiringNew().call(() -> outbox.count("messageKey", old))).isZero();
        assertThat(QuarkusTransaction.requiringNew().call(() -> outbox.count("messageKey", recent)))
                .as("unpublished, or published just now").isEqualTo(1);
    }

    @Test
    void aModelIsSummarisedForItsDataBeforeAndAfterSubmission() {
        // torch: conv 6*25+6, conv 16*150+16, linear 256*120+120, 120*84+84, 84*10+10 on 1x28x28 digits
        given().contentType(ContentType.JSON).body("{\"spec\": {\"dataset\": \"mnist-sample\", \"model\": \"lenet\"}}")
                .post("/api/v1/summaries").then().statusCode(200).body("model", is("lenet"))
                .body("dataset", is("mnist-sample@1")).body("summary.parameters", is(44_426))
                .body("summary.layers[0].output", contains(6, 24, 24)).body("summary.output", contains(10))
                .body("batchSize", is(64)).body("trainingBytes", notNullValue());
        given().contentType(ContentType.JSON).body("{\"spec\": {\"dataset\": \"mnist-sample\", \"model\":"
                        + " {\"layers\": [{\"type\": \"linear\", \"out\": 10}]}}}")
                .post("/api/v1/summaries").then().statusCode(400)
                .body("violations[0].field", is("spec.model.layers[0]"))
                .body("violations[0].message", containsString("put a flatten before it"));

        String layers = "[{\"type\": \"conv2d\", \"out\": 4, \"kernel\": 3}, {\"type\": \"relu\"},"
                + " {\"type\": \"flatten\"}, {\"type\": \"linear\"}]";
        String id = submit("{\"spec\": {\"dataset\": \"mnist-sample\", \"model\": {\"layers\": " + layers + "}}}");
        given().get("/api/v1/runs/" + id).then().statusCode(200).body("spec.model.layers[0].type", is("conv2d"))
                .body("modelSize.parameters", is(40 + 27_050)).body("modelSize.multiplyAdds", is(4 * 26 * 26 * 9 + 27_040))
                .body("links.summary", is("/api/v1/runs/" + id + "/summary"));
        // conv 4*9+4, head 4*26*26*10+10
        given().get("/api/v1/runs/" + id + "/summary").then().statusCode(200).body("model", is("layers"))
                .body("summary.parameters", is(40 + 27_050)).body("summary.layers[3].output", contains(10));
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

        given().contentType(ContentType.JSON)
                .body("{\"spec\": {\"dataset\": \"fashion-mnist\", \"model\": \"mlp\", \"nesterov\": \"yes\"}}")
                .post("/api/v1/runs")
                .then().statusCode(400).body("violations[0].field", is("spec.nesterov"))
                .body("violations[0].message", is("expected true or false, got yes"));
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
    void listFiltersByExperimentStatusAndModelAPageAtATime() {
        String experiment = "filters-" + UUID.randomUUID().toString().substring(0, 8);
        String first = submit("{\"experiment\": \"" + experiment + "\", \"spec\": {\"dataset\": \"fashion-mnist\", \"imageSize\": 32, \"model\": \"lenet\"}}");
        String second = submit("{\"experiment\": \"" + experiment + "\", \"spec\": {\"dataset\": \"fashion-mnist\", \"imageSize\": 32, \"model\": \"vgg11\"}}");
        String third = submit("{\"experiment\": \"" + experiment + "\", \"spec\": {\"dataset\": \"fashion-mnist\", \"imageSize\": 32, \"model\": \"lenet\"}}");

        given().get("/api/v1/runs?experiment=" + experiment).then().statusCode(200)
                .body("id", contains(third, second, first)).body("experiment", everyItem(is(experiment)));
        given().get("/api/v1/runs?experiment=" + experiment + "&model=lenet&status=queued").then().statusCode(200)
                .body("id", contains(third, first));
        given().get("/api/v1/runs?experiment=" + experiment + "&offset=1&limit=1").then().statusCode(200)
                .body("id", contains(second));
        given().get("/api/v1/experiments").then().statusCode(200)
                .body("find { it.name == '" + experiment + "' }.runs.QUEUED", is(3));
        given().get("/api/v1/runs?status=bogus&limit=0&offset=-1&model=alexnet").then().statusCode(400)
                .body("violations.field", containsInAnyOrder("status", "limit", "offset", "model"));
        // Numbers that are not numbers: a 400 naming each, not the 404 a failed conversion would give.
        given().get("/api/v1/runs?limit=abc&offset=1.5").then().statusCode(400)
                .body("violations.field", containsInAnyOrder("limit", "offset"));
        given().get("/api/v1/runs?limit=99999999999").then().statusCode(400).body("violations.field", contains("limit"));
        given().get("/api/v1/studies?offset=x").then().statusCode(400).body("violations.field", contains("offset"));
        given().get("/api/v1/audit?limit=fifty").then().statusCode(400).body("violations.field", contains("limit"));
    }

    @Test
    void anIdempotencyKeyMakesARetryReturnTheSameRun() {
        String key = "retry-" + UUID.randomUUID();
        String body = "{\"spec\": {\"dataset\": \"mnist-sample\", \"model\": \"mlp\", \"epochs\": 2}}";

        String id = given().contentType(ContentType.JSON).header("Idempotency-Key", key).body(body)
                .post("/api/v1/runs").then().statusCode(202).extract().path("id");
        given().contentType(ContentType.JSON).header("Idempotency-Key", key).body(body)
                .post("/api/v1/runs").then().statusCode(200).body("id", is(id));
        // The same request without the optional fields it defaulted is the same request.
        given().contentType(ContentType.JSON).header("Idempotency-Key", key)
                .body("{\"spec\": {\"dataset\": \"mnist-sample\", \"model\": \"mlp\", \"epochs\": 2, \"batchSize\": 64}}")
                .post("/api/v1/runs").then().statusCode(200).body("id", is(id));

        given().contentType(ContentType.JSON).header("Idempotency-Key", key)
                .body("{\"spec\": {\"dataset\": \"mnist-sample\", \"model\": \"mlp\", \"epochs\": 3}}")
                .post("/api/v1/runs").then().statusCode(409).body("detail", containsString(id));
        given().contentType(ContentType.JSON).header("Idempotency-Key", "k".repeat(201)).body(body)
                .post("/api/v1/runs").then().statusCode(400).body("violations[0].field", is("Idempotency-Key"));
        assertThat(TopicReader.count(bootstrap, Topics.TRAIN_REQUESTS, r -> id.equals(r.key()), Duration.ofSeconds(3)))
                .as("one train request for the run").isEqualTo(1);
    }

    @Test
    void cancellingAQueuedRunStopsItAndTellsWorkersAndWatchers() {
        String id = submit("{\"spec\": {\"dataset\": \"mnist-sample\", \"model\": \"mlp\"}}");

        given().post("/api/v1/runs/" + id + "/cancel").then().statusCode(202)
                .body("status", is("CANCELLED")).body("failureReason", is("cancelled by request"))
                .body("finishedAt", notNullValue());

        ConsumerRecord<String, String> command = TopicReader.await(bootstrap, Topics.RUN_COMMANDS,
                r -> id.equals(r.key()), KAFKA_WAIT);
        assertThat(command).as("cancel command").isNotNull();
        assertThat(Json.read(command.value(), RunCommandV1.class).type()).isEqualTo(RunCommandV1.Type.CANCEL);
        ConsumerRecord<String, String> event = TopicReader.await(bootstrap, Topics.RUN_EVENTS,
                r -> id.equals(r.key()) && Json.read(r.value(), RunEventV1.class).type() == RunEventType.CANCELLED,
                KAFKA_WAIT);
        assertThat(event).as("CANCELLED event").isNotNull();
        given().post("/api/v1/runs/" + id + "/cancel").then().statusCode(409).body("detail", containsString("CANCELLED"));
        given().post("/api/v1/runs/" + UUID.randomUUID() + "/cancel").then().statusCode(404);
    }

    @Test
    void anOversizedBodyIsRefusedWith413() {
        String huge = "{\"spec\": {\"dataset\": \"mnist-sample\", \"model\": \"mlp\"}, \"experiment\": \""
                + "x".repeat(2_000_000) + "\"}";

        given().contentType(ContentType.JSON).body(huge).post("/api/v1/runs").then().statusCode(413);
    }

    @Test
    void anInvalidExperimentNameIsNamed() {
        given().contentType(ContentType.JSON)
                .body("{\"experiment\": \"no spaces please\", \"spec\": {\"dataset\": \"mnist-sample\", \"model\": \"mlp\"}}")
                .post("/api/v1/runs").then().statusCode(400).body("violations[0].field", is("experiment"));
    }

    @Test
    void aRunNamesTheRegisteredModelItCompetesFor() {
        String model = "competes-" + UUID.randomUUID().toString().substring(0, 8);
        String body = "{\"registeredModel\": \"" + model + "\","
                + " \"spec\": {\"dataset\": \"mnist-sample\", \"model\": \"mlp\"}}";
        String key = "model-" + UUID.randomUUID();

        String id = given().contentType(ContentType.JSON).header("Idempotency-Key", key).body(body)
                .post("/api/v1/runs").then().statusCode(202).body("registeredModel", is(model)).extract().path("id");
        given().get("/api/v1/runs/" + id).then().statusCode(200).body("registeredModel", is(model));
        // The first run naming a model creates it, with the default policy and no versions yet.
        given().get("/api/v1/models/" + model).then().statusCode(200)
                .body("policy.metric", is("test.accuracy")).body("versions", empty());

        given().contentType(ContentType.JSON).header("Idempotency-Key", key)
                .body("{\"registeredModel\": \"other\", \"spec\": {\"dataset\": \"mnist-sample\", \"model\": \"mlp\"}}")
                .post("/api/v1/runs").then().statusCode(409).body("detail", containsString(id));
        given().contentType(ContentType.JSON)
                .body("{\"registeredModel\": \"no/slashes\", \"experiment\": \"no spaces\","
                        + " \"spec\": {\"dataset\": \"mnist-sample\", \"model\": \"mlp\"}}")
                .post("/api/v1/runs").then().statusCode(400)
                .body("violations.field", containsInAnyOrder("experiment", "registeredModel"));
    }

    private String submit(String body) {
        return given().contentType(ContentType.JSON).body(body).post("/api/v1/runs").then().statusCode(202)
                .extract().path("id");
    }

    @Test
    void healthOpenApiAndMetricsAreServed() {
        // Ready once the run-events consumer holds its partitions, which can take a moment after start.
        await().atMost(KAFKA_WAIT).untilAsserted(() ->
                given().get("/q/health/ready").then().statusCode(200).body("status", is("UP")));
        given().get("/q/openapi").then().statusCode(200).body(containsString("/api/v1/runs"))
                .body(containsString("/api/v1/models/{name}/versions"));
        // Read as text to answer a 400 naming them, the paging parameters are still documented as integers.
        given().queryParam("format", "json").get("/q/openapi").then().statusCode(200)
                .body("paths.'/api/v1/runs'.get.parameters.find { it.name == 'limit' }.schema.type", is("integer"))
                .body("paths.'/api/v1/runs'.get.parameters.find { it.name == 'limit' }.schema.maximum", is(500));
        given().get("/q/metrics").then().statusCode(200).body(containsString("kiln_outbox_published"));
    }
}
