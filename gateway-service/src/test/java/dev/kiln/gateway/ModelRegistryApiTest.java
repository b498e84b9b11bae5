package dev.kiln.gateway;

import static dev.kiln.infra.kafka.TopicReader.header;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;

import dev.kiln.contracts.messaging.Json;
import dev.kiln.contracts.messaging.Topics;
import dev.kiln.contracts.models.ModelPromotedV1;
import dev.kiln.contracts.models.PromotionEvidence;
import dev.kiln.contracts.runs.ChampionEvaluation;
import dev.kiln.contracts.runs.RunEventType;
import dev.kiln.contracts.runs.RunEventV1;
import dev.kiln.contracts.runs.RunStatus;
import dev.kiln.contracts.runs.TrainingSpec;
import dev.kiln.infra.kafka.KafkaTestResource;
import dev.kiln.infra.kafka.TopicReader;
import dev.kiln.infra.postgres.PostgresTestResource;
import dev.kiln.infra.s3.S3TestResource;
import dev.kiln.store.progress.CheckpointRecord;
import dev.kiln.store.progress.CheckpointRepository;
import dev.kiln.store.runs.Owner;
import dev.kiln.store.runs.RunRepository;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/**
 * The model registry against a real PostgreSQL and a real Kafka broker: runs are stored as a trainer stores them,
 * their COMPLETED events published to the run-events topic, and the promotions read back from Kafka.
 */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(PostgresTestResource.class)
@QuarkusTestResource(S3TestResource.class)
class ModelRegistryApiTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    /** How long to read a topic to be sure nothing more arrives: the outbox relay publishes within a second. */
    private static final Duration QUIET = Duration.ofSeconds(3);
    private static final String WORKER = StoredRuns.WORKER;
    private static final TrainingSpec SPEC = StoredRuns.SPEC;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @Inject
    RunRepository runs;

    @Inject
    CheckpointRepository checkpoints;

    @Test
    void completedRunsBecomeVersionsAndTheBestBecomesChampionByPolicy() throws Exception {
        String model = unique("fashion");
        setPolicy(model, "{\"metric\": \"test.accuracy\", \"autoPromote\": true, \"minImprovement\": 0.01}");
        UUID first = succeededRun(model, 0.90, 0.30);
        UUID better = succeededRun(model, 0.93, 0.25);
        UUID withinMargin = succeededRun(model, 0.935, 0.20);

        try (KafkaProducer<String, String> producer = producer()) {
            complete(producer, model, first);
            awaitVersions(model, 1);
            given().get("/api/v1/models/" + model).then().statusCode(200)
                    .body("aliases.champion", is(1))
                    .body("versions[0].runId", is(first.toString()))
                    .body("versions[0].checkpointSha256", is(StoredRuns.sha256(first)))
                    .body("versions[0].metricValue", is(0.90f))
                    .body("versions[0].testAccuracy", is(0.90f))
                    .body("versions[0].testLoss", is(0.30f))
                    .body("versions[0].createdAt", notNullValue());
            ModelPromotedV1 promoted = awaitPromotion(model, "champion", 1);
            assertThat(promoted.reason()).isEqualTo(ModelPromotedV1.Reason.POLICY);
            assertThat(promoted.runId()).isEqualTo(first);
            assertThat(promoted.checkpointSha256()).isEqualTo(StoredRuns.sha256(first));
            assertThat(promoted.previousVersion()).isNull();

            complete(producer, model, better);
            awaitVersions(model, 2);
            given().get("/api/v1/models/" + model).then().body("aliases.champion", is(2));
            ModelPromotedV1 second = awaitPromotion(model, "champion", 2);
            assertThat(second.previousVersion()).isEqualTo(1);
            assertThat(second.runId()).isEqualTo(better);

            // Redeliveries of both events, then a run within the margin, all on one partition in this order: once
            // the last is version 3, the redeliveries were handled and added nothing.
            complete(producer, model, first);
            complete(producer, model, better);
            complete(producer, model, withinMargin);
            awaitVersions(model, 3);
        }
        given().get("/api/v1/models/" + model).then().statusCode(200)
                .body("versions.version", contains(3, 2, 1))
                .body("versions.runId", contains(withinMargin.toString(), better.toString(), first.toString()))
                .body("versions[0].metricValue", is(0.935f))
                .body("aliases.champion", is(2))
                .body("latestVersion", is(3));
        assertThat(TopicReader.count(bootstrap, Topics.MODEL_PROMOTIONS, r -> (model + "/champion").equals(r.key()), QUIET))
                .as("one event per promotion, none for the run within the margin or the redeliveries").isEqualTo(2);
        given().get("/api/v1/models/" + model + "/promotions").then().statusCode(200)
                .body("version", contains(2, 1))
                .body("reason", contains("POLICY", "POLICY"))
                .body("[0].previousVersion", is(1))
                .body("[1]", not(hasKey("previousVersion")));
        given().get("/q/metrics").then().body(containsString("kiln_models_promotions_total{reason=\"POLICY\""));
        // Kiln's own promotions are in the audit trail, in the transaction that made them.
        given().get("/api/v1/audit?limit=500").then().statusCode(200)
                .body("findAll { it.target == '" + model + "/champion' }.detail",
                        contains("v1 -> v2 (POLICY)", "none -> v1 (POLICY)"))
                .body("findAll { it.target == '" + model + "/champion' }.actor", everyItem(is("kiln:policy")))
                .body("findAll { it.target == '" + model + "/champion' }.action", everyItem(is("model.promoted")));
    }

    @Test
    void theChampionIsJudgedOnTheChallengersTestImages() throws Exception {
        String model = unique("fair");
        setPolicy(model, "{\"metric\": \"test.accuracy\", \"autoPromote\": true, \"minImprovement\": 0.01}");
        // v1 scored 0.95 on its own, easier test split; on the challenger's newer split it scores 0.88.
        UUID champion = succeededRun(model, 0.95, 0.20);
        UUID challenger = succeededRun(model, 0.92, 0.25);
        measuredChampion(challenger, model, 1, 0.88);
        // A later challenger scores 0.95 on a split on which v2 scores 0.945: not better by more than the margin,
        // although 0.95 beats v2's own 0.92 by 0.03.
        UUID flattered = succeededRun(model, 0.95, 0.15);
        measuredChampion(flattered, model, 2, 0.945);

        try (KafkaProducer<String, String> producer = producer()) {
            complete(producer, model, champion);
            assertThat(awaitPromotion(model, "champion", 1).evidence())
                    .isEqualTo(new PromotionEvidence("test.accuracy", 0.95, 1000, null, null, null));
            complete(producer, model, challenger);
            assertThat(awaitPromotion(model, "champion", 2).evidence()).isEqualTo(new PromotionEvidence(
                    "test.accuracy", 0.92, 1000, 1, 0.88, PromotionEvidence.MeasuredOn.CHALLENGER_TEST_SPLIT));
            complete(producer, model, flattered);
            awaitVersions(model, 3);
        }
        given().get("/api/v1/models/" + model).then().body("aliases.champion", is(2));
        given().get("/api/v1/models/" + model + "/promotions").then().statusCode(200)
                .body("version", contains(2, 1))
                .body("[0].evidence.challenger", is(0.92f))
                .body("[0].evidence.champion", is(0.88f))
                .body("[0].evidence.championVersion", is(1))
                .body("[0].evidence.championOn", is("CHALLENGER_TEST_SPLIT"))
                .body("[1].evidence", not(hasKey("champion")));
        given().get("/api/v1/runs/" + flattered).then().statusCode(200)
                .body("championEvaluation.model", is(model))
                .body("championEvaluation.version", is(2))
                .body("championEvaluation.test.accuracy", is(0.945f));
    }

    @Test
    void aLossPolicyWantsTheLowerLossAndWithoutAutoPromotionNothingMoves() throws Exception {
        String model = unique("loss");
        setPolicy(model, "{\"metric\": \"test.loss\", \"autoPromote\": true, \"minImprovement\": 0}");
        UUID first = succeededRun(model, 0.80, 0.40);
        UUID higherLoss = succeededRun(model, 0.99, 0.50);
        UUID lowest = succeededRun(model, 0.85, 0.10);

        try (KafkaProducer<String, String> producer = producer()) {
            complete(producer, model, first);
            complete(producer, model, higherLoss);
            awaitVersions(model, 2);
            given().get("/api/v1/models/" + model).then()
                    .body("aliases.champion", is(1)).body("versions.metricValue", contains(0.50f, 0.40f));

            setPolicy(model, "{\"metric\": \"test.loss\", \"autoPromote\": false, \"minImprovement\": 0}");
            complete(producer, model, lowest);
            awaitVersions(model, 3);
        }
        given().get("/api/v1/models/" + model).then().body("aliases.champion", is(1));
        given().get("/api/v1/models/" + model + "/promotions").then().body("version", contains(1));
    }

    @Test
    void unreadableEventsAndUnknownRunsAreDeadLetteredAndThePartitionMovesOn() throws Exception {
        String model = unique("poison");
        String garbage = "not a run event " + UUID.randomUUID();
        UUID unknownRun = UUID.randomUUID();
        UUID withoutCheckpoint = UUID.randomUUID();
        Instant now = now();
        QuarkusTransaction.requiringNew().run(() -> runs.createQueued(withoutCheckpoint, SPEC, Owner.DEFAULT, null, model, null, null, now));
        QuarkusTransaction.requiringNew().run(() -> {
            runs.claim(withoutCheckpoint, WORKER, now);
            runs.finish(withoutCheckpoint, WORKER, RunStatus.SUCCEEDED, Json.write(StoredRuns.report(0.99, 0.01)), null, now);
        });
        UUID good = succeededRun(model, 0.7, 0.9);

        try (KafkaProducer<String, String> producer = producer()) {
            send(producer, model, garbage);
            send(producer, model, Json.write(completed(unknownRun)));
            complete(producer, model, withoutCheckpoint);
            complete(producer, model, good);
            awaitVersions(model, 1);
        }
        given().get("/api/v1/models/" + model).then()
                .body("versions.runId", contains(good.toString())).body("aliases.champion", is(1));
        ConsumerRecord<String, String> unreadable = TopicReader.await(bootstrap, Topics.RUN_EVENTS_DLQ,
                r -> garbage.equals(r.value()), WAIT);
        assertThat(unreadable).as("unreadable event dead-lettered").isNotNull();
        assertThat(header(unreadable, "dead-letter-reason")).contains("RunEventV1");
        ConsumerRecord<String, String> unknown = TopicReader.await(bootstrap, Topics.RUN_EVENTS_DLQ,
                r -> r.value().contains(unknownRun.toString()), WAIT);
        assertThat(unknown).as("completion of an unknown run dead-lettered").isNotNull();
        assertThat(header(unknown, "dead-letter-reason")).contains("No run with id " + unknownRun);
        assertThat(TopicReader.count(bootstrap, Topics.RUN_EVENTS_DLQ, r -> r.value().contains(withoutCheckpoint.toString()),
                QUIET)).as("a run without a model checkpoint is skipped (and logged), not dead-lettered").isZero();
    }

    @Test
    void manualPromotionsByRunAndByVersionAreRecordedAndPublished() {
        String model = unique("manual");
        UUID first = succeededRun(null, 0.8, 0.5);
        UUID second = succeededRun(null, 0.7, 0.6);
        String champion = model + "/champion";

        promote(model, "{\"runId\": \"" + first + "\"}").statusCode(200)
                .body("model", is(model)).body("alias", is("champion")).body("version", is(1))
                .body("runId", is(first.toString())).body("checkpointSha256", is(StoredRuns.sha256(first)))
                .body("reason", is("MANUAL")).body("promotedAt", notNullValue())
                .body("$", not(hasKey("previousVersion")));
        ModelPromotedV1 event = awaitPromotion(model, "champion", 1);
        assertThat(event.reason()).isEqualTo(ModelPromotedV1.Reason.MANUAL);
        assertThat(event.previousVersion()).isNull();

        promote(model, "{\"runId\": \"" + second + "\", \"alias\": \"staging\"}").statusCode(200)
                .body("alias", is("staging")).body("version", is(2));
        String promotedAt = promote(model, "{\"version\": 2}").statusCode(200)
                .body("alias", is("champion")).body("version", is(2)).body("previousVersion", is(1))
                .body("runId", is(second.toString())).extract().path("promotedAt");
        assertThat(awaitPromotion(model, "champion", 2).previousVersion()).isEqualTo(1);

        // Already there: nothing changes, and the answer is the promotion that put it there.
        promote(model, "{\"version\": 2, \"alias\": \"champion\"}").statusCode(200)
                .body("version", is(2)).body("previousVersion", is(1)).body("promotedAt", is(promotedAt));
        promote(model, "{\"runId\": \"" + second + "\"}").statusCode(200).body("promotedAt", is(promotedAt));
        // A run that is a version already is not registered again.
        promote(model, "{\"runId\": \"" + first + "\"}").statusCode(200)
                .body("version", is(1)).body("previousVersion", is(2));

        given().get("/api/v1/models/" + model).then().statusCode(200)
                .body("versions.version", contains(2, 1))
                .body("versions[0].metricValue", is(0.7f))
                .body("aliases.champion", is(1)).body("aliases.staging", is(2))
                .body("policy.metric", is("test.accuracy")).body("policy.autoPromote", is(true))
                .body("policy.minImprovement", is(0.0f));
        given().get("/api/v1/models/" + model + "/promotions").then().statusCode(200)
                .body("alias", contains("champion", "champion", "staging", "champion"))
                .body("version", contains(1, 2, 2, 1))
                .body("reason", contains("MANUAL", "MANUAL", "MANUAL", "MANUAL"));
        given().get("/api/v1/models/" + model + "/promotions?limit=2").then().statusCode(200)
                .body("version", contains(1, 2));
        given().get("/api/v1/models").then().statusCode(200)
                .body("find { it.name == '" + model + "' }.latestVersion", is(2))
                .body("find { it.name == '" + model + "' }.aliases", is(Map.of("champion", 1, "staging", 2)))
                .body("find { it.name == '" + model + "' }.versions", nullValue());
        assertThat(TopicReader.count(bootstrap, Topics.MODEL_PROMOTIONS, r -> champion.equals(r.key()), QUIET))
                .as("no event for the promotions that changed nothing").isEqualTo(3);
        given().get("/q/metrics").then().body(containsString("kiln_models_promotions_total{reason=\"MANUAL\""));
    }

    @Test
    void badPromotionsAreRefusedNamingWhatIsWrong() {
        String model = unique("refused");
        UUID queued = UUID.randomUUID();
        UUID withoutCheckpoint = UUID.randomUUID();
        Instant now = now();
        QuarkusTransaction.requiringNew().run(() -> {
            runs.createQueued(queued, SPEC, now);
            runs.createQueued(withoutCheckpoint, SPEC, now);
        });
        QuarkusTransaction.requiringNew().run(() -> {
            runs.claim(withoutCheckpoint, WORKER, now);
            runs.finish(withoutCheckpoint, WORKER, RunStatus.SUCCEEDED, Json.write(StoredRuns.report(0.5, 0.5)), null, now);
        });

        promote(model, "{}").statusCode(400).contentType(startsWith("application/problem+json"))
                .body("violations.field", contains("runId", "version"));
        promote(model, "{\"runId\": \"" + queued + "\", \"version\": 1}").statusCode(400)
                .body("violations.field", contains("runId", "version"));
        promote(model, "{\"runId\": \"nope\", \"alias\": \"Champion\"}").statusCode(400)
                .body("violations.field", contains("runId", "alias"));
        promote(model, "{\"version\": 0}").statusCode(400).body("violations.field", contains("version"));
        promote(model, "{\"run\": \"" + queued + "\"}").statusCode(400).body("violations[0].field", is("run"));
        promote("bad!name", "{\"version\": 1}").statusCode(400).body("violations.field", contains("name"));

        promote(model, "{\"runId\": \"" + UUID.randomUUID() + "\"}").statusCode(404)
                .body("detail", startsWith("No run with id"));
        promote(model, "{\"version\": 1}").statusCode(404).body("detail", is("No registered model '" + model + "'"));
        promote(model, "{\"runId\": \"" + queued + "\"}").statusCode(409)
                .body("detail", is("Run " + queued + " is QUEUED; only a SUCCEEDED run can be a model version"));
        promote(model, "{\"runId\": \"" + withoutCheckpoint + "\"}").statusCode(409)
                .body("detail", is("Run " + withoutCheckpoint + " has no stored model checkpoint to serve"));
        // Nothing was created by the refused requests.
        given().get("/api/v1/models/" + model).then().statusCode(404).body("detail", containsString(model));
        given().get("/api/v1/models/" + model + "/promotions").then().statusCode(404);

        promote(model, "{\"runId\": \"" + succeededRun(null, 0.5, 0.5) + "\"}").statusCode(200);
        promote(model, "{\"version\": 2}").statusCode(404)
                .body("detail", is("Registered model '" + model + "' has no version 2"));
        given().get("/api/v1/models/" + model + "/promotions?limit=0").then().statusCode(400)
                .body("violations.field", contains("limit"));
        promote(model, "{\"version\": 1, \"rollout\": \"gradual\"}").statusCode(400)
                .body("violations[0].field", is("rollout"))
                .body("violations[0].message", is("expected one of [IMMEDIATE, CANARY, SHADOW], got gradual"));
        given().get("/api/v1/models/" + model + "/promotions?limit=ten").then().statusCode(400)
                .body("violations.field", contains("limit"));
        given().get("/api/v1/models/" + model + "/versions/one").then().statusCode(400)
                .body("violations.field", contains("version"));
    }

    @Test
    void aPolicyIsValidatedAndSettingItCreatesTheModel() {
        String model = unique("policy");

        given().contentType(ContentType.JSON).body("{\"metric\": \"f1\", \"autoPromote\": true, \"minImprovement\": -1}")
                .put("/api/v1/models/" + model + "/policy").then().statusCode(400)
                .body("violations.field", containsInAnyOrder("metric", "minImprovement"))
                .body("violations.find { it.field == 'metric' }.message", containsString("test.accuracy"));
        given().contentType(ContentType.JSON).body("{}").put("/api/v1/models/" + model + "/policy").then()
                .statusCode(400).body("violations.field", contains("metric", "autoPromote", "minImprovement"));
        given().contentType(ContentType.JSON)
                .body("{\"metric\": \"test.loss\", \"autoPromote\": true, \"minImprovement\": 1e400}")
                .put("/api/v1/models/" + model + "/policy").then().statusCode(400)
                .body("violations.field", contains("minImprovement"));
        given().contentType(ContentType.JSON)
                .body("{\"metric\": \"test.loss\", \"autoPromote\": \"maybe\", \"minImprovement\": 0}")
                .put("/api/v1/models/" + model + "/policy").then().statusCode(400)
                .body("violations[0].field", is("autoPromote"));
        given().get("/api/v1/models/" + model).then().statusCode(404);

        setPolicy(model, "{\"metric\": \"test.loss\", \"autoPromote\": false, \"minImprovement\": 0.02}")
                .body("name", is(model))
                .body("policy.metric", is("test.loss")).body("policy.autoPromote", is(false))
                .body("policy.minImprovement", is(0.02f))
                .body("versions", empty()).body("aliases", is(Map.of())).body("$", not(hasKey("latestVersion")));
        given().get("/api/v1/models/" + model).then().statusCode(200).body("policy.minImprovement", is(0.02f));
        given().get("/api/v1/models/" + model + "/promotions").then().statusCode(200).body("$", empty());
        given().get("/api/v1/models/bad!name").then().statusCode(400).body("violations.field", contains("name"));
    }

    /** A run as a trainer leaves a succeeded one: its test evaluation and its {@code model} checkpoint stored. */
    private UUID succeededRun(String registeredModel, double accuracy, double loss) {
        return StoredRuns.succeeded(runs, checkpoints, registeredModel, accuracy, loss);
    }

    /** As the run's worker records it: the model's champion {@code version} scored {@code accuracy} on its split. */
    private void measuredChampion(UUID runId, String model, int version, double accuracy) {
        QuarkusTransaction.requiringNew().run(() -> runs.recordChampionEvaluation(runId,
                ChampionEvaluation.measured(model, version, StoredRuns.report(accuracy, 0.3))));
    }

    private static RunEventV1 completed(UUID runId) {
        return new RunEventV1(RunEventV1.SCHEMA, runId, RunEventType.COMPLETED, WORKER, now(), 1, null,
                StoredRuns.report(0.5, 0.5), null, null);
    }

    private KafkaProducer<String, String> producer() {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new StringSerializer());
    }

    /**
     * Publishes a run's COMPLETED event. A test's events share one key (trainers key by run id), so they land on
     * one partition and the gateway handles them in the order sent.
     */
    private static void complete(KafkaProducer<String, String> producer, String key, UUID runId) throws Exception {
        send(producer, key, Json.write(completed(runId)));
    }

    private static void send(KafkaProducer<String, String> producer, String key, String value) throws Exception {
        producer.send(new ProducerRecord<>(Topics.RUN_EVENTS, key, value)).get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    private static void awaitVersions(String model, int count) {
        await().atMost(WAIT).untilAsserted(() -> given().get("/api/v1/models/" + model).then().statusCode(200)
                .body("latestVersion", is(count)));
    }

    private ModelPromotedV1 awaitPromotion(String model, String alias, int version) {
        ConsumerRecord<String, String> record = TopicReader.await(bootstrap, Topics.MODEL_PROMOTIONS,
                r -> (model + "/" + alias).equals(r.key())
                        && Json.read(r.value(), ModelPromotedV1.class).version() == version, WAIT);
        assertThat(record).as("promotion of %s/%s to version %d on %s", model, alias, version, Topics.MODEL_PROMOTIONS)
                .isNotNull();
        ModelPromotedV1 promotion = Json.read(record.value(), ModelPromotedV1.class);
        assertThat(promotion.schema()).isEqualTo(ModelPromotedV1.SCHEMA);
        assertThat(promotion.model()).isEqualTo(model);
        assertThat(promotion.alias()).isEqualTo(alias);
        return promotion;
    }

    private static io.restassured.response.ValidatableResponse promote(String model, String body) {
        return given().contentType(ContentType.JSON).body(body).post("/api/v1/models/" + model + "/promote").then();
    }

    private static io.restassured.response.ValidatableResponse setPolicy(String model, String body) {
        return given().contentType(ContentType.JSON).body(body).put("/api/v1/models/" + model + "/policy").then()
                .statusCode(200);
    }


    private static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static Instant now() {
        return StoredRuns.now();
    }
}
