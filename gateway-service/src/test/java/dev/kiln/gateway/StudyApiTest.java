package dev.kiln.gateway;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;

import dev.kiln.access.testing.TestTokens;
import dev.kiln.contracts.messaging.Json;
import dev.kiln.contracts.messaging.Topics;
import dev.kiln.contracts.runs.ClassMetrics;
import dev.kiln.contracts.runs.EpochMetrics;
import dev.kiln.contracts.runs.EvaluationReport;
import dev.kiln.contracts.runs.RunCommandV1;
import dev.kiln.contracts.runs.RunEventType;
import dev.kiln.contracts.runs.RunEventV1;
import dev.kiln.contracts.runs.RunStatus;
import dev.kiln.contracts.runs.TrainingSpec;
import dev.kiln.contracts.studies.StudySpec;
import dev.kiln.gateway.studies.StudyScheduler;
import dev.kiln.infra.kafka.KafkaTestResource;
import dev.kiln.infra.kafka.TopicReader;
import dev.kiln.infra.postgres.PostgresTestResource;
import dev.kiln.infra.s3.S3TestResource;
import dev.kiln.store.progress.CheckpointRecord;
import dev.kiln.store.progress.CheckpointRepository;
import dev.kiln.store.progress.EpochRepository;
import dev.kiln.store.runs.Owner;
import dev.kiln.store.runs.RunRecord;
import dev.kiln.store.runs.RunRepository;
import dev.kiln.store.studies.StudyRepository;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/**
 * Studies against a real PostgreSQL and Kafka. No trainer runs here: the test plays the workers, moving each
 * trial's run through the store as a trainer would (claim, start, epochs, finish), so every scheduling decision
 * is checked exactly.
 */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(PostgresTestResource.class)
@QuarkusTestResource(S3TestResource.class)
class StudyApiTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String WORKER = "trainer-test@host";
    private static final String BASE = "{\"dataset\": \"mnist-sample\", \"model\": \"mlp\", \"epochs\": 3,"
            + " \"validationSplit\": 0.1}";

    @Inject
    RunRepository runs;

    @Inject
    EpochRepository epochs;

    @Inject
    CheckpointRepository checkpoints;

    @Inject
    StudyRepository studyStore;

    @Inject
    StudyScheduler scheduler;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @Test
    void aGridStudyRunsEveryCombinationOnceWithinItsParallelismAndFindsTheBest() {
        String id = create("{\"base\": " + BASE + ", \"algorithm\": \"grid\", \"parallelTrials\": 2,"
                + " \"parameters\": [{\"name\": \"learningRate\", \"type\": \"categorical\", \"values\": [0.1, 0.01]},"
                + " {\"name\": \"batchSize\", \"type\": \"categorical\", \"values\": [32, 64]}]}");
        Set<String> combinations = new HashSet<>();
        for (int round = 0; round < 2; round++) {
            List<Map<String, Object>> running = awaitTrials(id, 2 * round + 2);
            assertThat(activeTrials(id)).as("never more than parallelTrials in flight").isEqualTo(2);
            for (Map<String, Object> trial : running.subList(2 * round, 2 * round + 2)) {
                combinations.add(String.valueOf(trial.get("parameters")));
                int number = (Integer) trial.get("number");
                // Trial 3 learns best: lowest validation loss.
                finish(UUID.fromString((String) trial.get("runId")), new double[] {0.9, 0.6, number == 3 ? 0.2 : 0.5});
            }
        }
        JsonPath study = awaitStatus(id, "SUCCEEDED");

        assertThat(combinations).hasSize(4);
        assertThat(study.getList("trials")).hasSize(4);
        assertThat(study.getInt("bestTrial")).isEqualTo(3);
        assertThat(study.getList("leaderboard", Integer.class).get(0)).isEqualTo(3);
        assertThat(study.getString("reason")).contains("all 4 trials finished");
        assertThat(study.getDouble("trials[2].objective")).isEqualTo(0.2);
        assertThat(study.getBoolean("trials[2].best")).isTrue();
        assertThat(runsOfStudy(id)).as("no trial started twice").isEqualTo(4);
    }

    @Test
    void aCompletedStudyPromotesItsBestTrialToTheRegisteredModel() {
        String model = "study-winner-" + UUID.randomUUID().toString().substring(0, 8);
        String id = create("{\"base\": " + BASE + ", \"algorithm\": \"grid\", \"parallelTrials\": 2,"
                + " \"registeredModel\": \"" + model + "\", \"parameters\": [{\"name\": \"learningRate\","
                + " \"type\": \"categorical\", \"values\": [0.1, 0.01]}]}");
        List<Map<String, Object>> trials = awaitTrials(id, 2);
        finish(UUID.fromString((String) trials.get(0).get("runId")), new double[] {0.7});
        finish(UUID.fromString((String) trials.get(1).get("runId")), new double[] {0.3});
        awaitStatus(id, "SUCCEEDED");

        await().atMost(WAIT).until(() -> given().get("/api/v1/models/" + model).then().extract().statusCode() == 200);
        given().get("/api/v1/models/" + model).then().statusCode(200)
                .body("aliases.champion", is(1))
                .body("versions[0].runId", is(trials.get(1).get("runId")));
        given().get("/api/v1/models/" + model + "/promotions").then().body("[0].reason", is("STUDY"));
    }

    @Test
    void aStudyLeftByAStoppedGatewayIsResumedAndConcurrentStepsNeverStartATrialTwice() throws Exception {
        // As a gateway that stored the study and stopped before starting a trial leaves it.
        UUID id = UUID.randomUUID();
        StudySpec spec = Json.read("{\"base\": " + BASE + ", \"algorithm\": \"grid\", \"parallelTrials\": 3,"
                + " \"parameters\": [{\"name\": \"learningRate\", \"type\": \"categorical\","
                + " \"values\": [0.1, 0.05, 0.02, 0.01]}]}", StudySpec.class).withDefaults();
        QuarkusTransaction.requiringNew().run(() -> studyStore.create(id, Json.write(spec), null, Owner.DEFAULT, null,
                Instant.now().truncatedTo(ChronoUnit.MICROS)));
        // Eight replicas (or timer rounds) stepping it at once.
        ExecutorService replicas = Executors.newFixedThreadPool(8);
        for (int i = 0; i < 8; i++) {
            replicas.execute(() -> scheduler.advance(id));
        }
        replicas.shutdown();
        assertThat(replicas.awaitTermination(30, TimeUnit.SECONDS)).isTrue();

        List<Map<String, Object>> trials = awaitTrials(id.toString(), 3);
        assertThat(trials).extracting(t -> t.get("number")).containsExactly(1, 2, 3);
        assertThat(runsOfStudy(id.toString())).isEqualTo(3);
        assertThat(parameters(trials)).doesNotHaveDuplicates();
    }

    @Test
    void aFailedTrialBeyondTheBudgetFailsTheStudyAndStopsTheOthers() {
        String id = create("{\"base\": " + BASE + ", \"algorithm\": \"random\", \"seed\": 7, \"maxTrials\": 5,"
                + " \"parallelTrials\": 2, \"maxFailedTrials\": 0, \"parameters\": [{\"name\": \"learningRate\","
                + " \"type\": \"double\", \"min\": 0.001, \"max\": 0.1, \"log\": true}]}");
        List<Map<String, Object>> trials = awaitTrials(id, 2);
        fail(UUID.fromString((String) trials.get(0).get("runId")));

        JsonPath study = awaitStatus(id, "FAILED");
        assertThat(study.getString("reason")).contains("maxFailedTrials");
        assertThat(study.getString("trials[1].state")).isEqualTo("CANCELLED");
        assertThat(runs.findById(UUID.fromString((String) trials.get(1).get("runId"))).status)
                .isEqualTo(RunStatus.CANCELLED);
    }

    @Test
    void aStudyStartingFromABaseModelPinsItOnceForEveryTrial() {
        UUID base = StoredRuns.succeeded(runs, checkpoints, null, 0.9, 0.3);
        String fineTuning = "{\"dataset\": \"fashion-mnist\", \"epochs\": 2, \"init\": {\"run\": \"" + base
                + "\", \"freeze\": [\"1\"]}}";

        String id = create("{\"base\": " + fineTuning + ", \"algorithm\": \"grid\", \"parallelTrials\": 2,"
                + " \"parameters\": [{\"name\": \"learningRate\", \"type\": \"categorical\", \"values\": [0.1, 0.01]}]}");

        for (Map<String, Object> trial : awaitTrials(id, 2)) {
            TrainingSpec spec = runs.findById(UUID.fromString((String) trial.get("runId"))).spec();
            assertThat(spec.model().name()).isEqualTo("mlp");
            assertThat(spec.init().base().sha256()).isEqualTo(StoredRuns.sha256(base));
            assertThat(spec.init().freeze()).containsExactly("1");
        }
        given().contentType(ContentType.JSON).body("{\"base\": " + fineTuning.replace("[\"1\"]", "[\"conv*\"]")
                + ", \"algorithm\": \"grid\", \"parameters\": [{\"name\": \"learningRate\", \"type\": \"categorical\","
                + " \"values\": [0.1]}]}").post("/api/v1/studies")
                .then().statusCode(400).body("violations[0].field", is("base.init.freeze[0]"));
    }

    @Test
    void randomSearchIsReproducibleBySeed() {
        String body = "{\"base\": " + BASE + ", \"algorithm\": \"random\", \"seed\": 11, \"maxTrials\": 3,"
                + " \"parallelTrials\": 3, \"parameters\": [{\"name\": \"learningRate\", \"type\": \"double\","
                + " \"min\": 0.0001, \"max\": 0.1, \"log\": true}, {\"name\": \"modelArgs.n_hidden\", \"type\": \"int\","
                + " \"min\": 16, \"max\": 256}]}";
        String first = create(body.replace("\"mlp\"", "\"fc2layer\""));
        String second = create(body.replace("\"mlp\"", "\"fc2layer\""));

        assertThat(parameters(awaitTrials(first, 3))).isEqualTo(parameters(awaitTrials(second, 3)));
        given().post("/api/v1/studies/" + first + "/cancel").then().statusCode(200).body("status", is("CANCELLED"));
        given().post("/api/v1/studies/" + first + "/cancel").then().statusCode(409);
    }

    @Test
    void aStudysEventStreamFollowsItsTrialsAndEndsWithIt() throws Exception {
        String id = create("{\"base\": " + BASE + ", \"algorithm\": \"random\", \"maxTrials\": 1,"
                + " \"parameters\": [{\"name\": \"learningRate\", \"type\": \"double\", \"min\": 0.01,"
                + " \"max\": 0.1}]}");
        UUID runId = UUID.fromString((String) awaitTrials(id, 1).get(0).get("runId"));
        HttpResponse<Stream<String>> stream = HttpClient.newHttpClient()
                .send(HttpRequest.newBuilder(URI.create("http://localhost:"
                        + RestAssured.port + "/api/v1/studies/" + id + "/events"))
                        .header("Authorization", TestTokens.adminBearer())
                        .header("Accept", "text/event-stream").build(),
                        HttpResponse.BodyHandlers.ofLines());
        CompletableFuture<List<String>> events = CompletableFuture.supplyAsync(
                () -> stream.body().filter(line -> line.startsWith("event:")).map(line -> line.substring(6).trim())
                        .toList());
        Thread.sleep(500);
        finish(runId, new double[] {0.5, 0.4});

        assertThat(events.get(30, TimeUnit.SECONDS)).as("the stream ends with the study")
                .startsWith("study").endsWith("study").contains("trial");
        given().get("/api/v1/studies/" + UUID.randomUUID() + "/events").then().statusCode(404);
    }

    @Test
    void aFinishedStudyGivenMoreTrialsContinues() {
        String id = create("{\"base\": " + BASE + ", \"algorithm\": \"random\", \"maxTrials\": 1, \"parallelTrials\": 1,"
                + " \"parameters\": [{\"name\": \"learningRate\", \"type\": \"double\", \"min\": 0.01, \"max\": 0.1}]}");
        finish(UUID.fromString((String) awaitTrials(id, 1).get(0).get("runId")), new double[] {0.5});
        awaitStatus(id, "SUCCEEDED");

        given().contentType(ContentType.JSON).body("{\"maxTrials\": 2}").patch("/api/v1/studies/" + id)
                .then().statusCode(200);
        finish(UUID.fromString((String) awaitTrials(id, 2).get(1).get("runId")), new double[] {0.4});
        JsonPath study = awaitStatus(id, "SUCCEEDED");
        assertThat(study.getInt("bestTrial")).isEqualTo(2);
        given().contentType(ContentType.JSON).body("{\"maxTrials\": 1}").patch("/api/v1/studies/" + id)
                .then().statusCode(400).body("violations[0].field", is("maxTrials"));
    }

    /** Two trials, one at a time, whose rung 1 waits for both: the first to reach it is paused. */
    private static final String HOLDING_STUDY = "{\"base\": " + BASE + ", \"algorithm\": \"grid\","
            + " \"parallelTrials\": 1, \"pruner\": {\"type\": \"asha\", \"minEpochs\": 1, \"reductionFactor\": 2,"
            + " \"minTrialsAtRung\": 2}, \"parameters\": [{\"name\": \"learningRate\", \"type\": \"categorical\","
            + " \"values\": [0.1, 0.01]}]}";

    @Test
    void aTrialAtARungTooFewReachedIsPausedAndResumedUnderItsRunOnceTheRungFills() {
        String id = create(HOLDING_STUDY);
        UUID first = runId(awaitTrials(id, 1).get(0));
        train(first, 0.4);

        // Paused at rung 1: its worker is told to stop and let it go, and its place goes to the second trial.
        List<Map<String, Object>> trials = awaitTrials(id, 2);
        assertThat(trials.get(0).get("state")).isEqualTo("PAUSED");
        assertThat(trials.get(1).get("state")).isEqualTo("QUEUED");
        RunRecord paused = QuarkusTransaction.requiringNew().call(() -> runs.findById(first));
        assertThat(paused.status).isEqualTo(RunStatus.PAUSED);
        assertThat(paused.worker).isNull();
        assertThat(QuarkusTransaction.requiringNew().call(() -> runs.heartbeat(first, WORKER,
                Instant.now().truncatedTo(ChronoUnit.MICROS)))).as("the worker learns it is no longer its").isFalse();
        ConsumerRecord<String, String> command = TopicReader.await(bootstrap, Topics.RUN_COMMANDS,
                r -> first.toString().equals(r.key()), WAIT);
        assertThat(Json.read(command.value(), RunCommandV1.class).type()).isEqualTo(RunCommandV1.Type.CANCEL);
        ConsumerRecord<String, String> pausedEvent = TopicReader.await(bootstrap, Topics.RUN_EVENTS,
                r -> first.toString().equals(r.key())
                        && Json.read(r.value(), RunEventV1.class).type() == RunEventType.PAUSED, WAIT);
        assertThat(Json.read(pausedEvent.value(), RunEventV1.class).epoch()).isEqualTo(1);
        assertThat(Json.read(pausedEvent.value(), RunEventV1.class).reason()).contains("1 of the 2 trials");

        // The rung fills: the worse second trial stops, the first is queued again under the same run, its train
        // request published again.
        UUID second = runId(trials.get(1));
        train(second, 0.5);
        await().atMost(WAIT).until(() -> "QUEUED".equals(given().get("/api/v1/studies/" + id).then().extract()
                .path("trials[0].state")));
        JsonPath judged = given().get("/api/v1/studies/" + id).then().extract().jsonPath();
        assertThat(judged.getString("trials[1].state")).isEqualTo("PRUNED");
        assertThat(judged.getString("trials[1].reason")).contains("pruned at epoch 1");
        assertThat(judged.getString("trials[0].runId")).isEqualTo(first.toString());
        assertThat(TopicReader.count(bootstrap, Topics.TRAIN_REQUESTS, r -> first.toString().equals(r.key()),
                Duration.ofSeconds(3))).as("the first request and the resumed one").isEqualTo(2);
        ConsumerRecord<String, String> queued = TopicReader.await(bootstrap, Topics.RUN_EVENTS,
                r -> first.toString().equals(r.key()) && Json.read(r.value(), RunEventV1.class).type()
                        == RunEventType.QUEUED && Json.read(r.value(), RunEventV1.class).epoch() != null, WAIT);
        assertThat(Json.read(queued.value(), RunEventV1.class).epoch()).as("resumes after epoch 1").isEqualTo(1);

        finish(first, 1, 0.3, 0.2);
        JsonPath study = awaitStatus(id, "SUCCEEDED");
        assertThat(study.getInt("bestTrial")).isEqualTo(1);
        assertThat(study.getInt("trials[0].epochs")).isEqualTo(3);
        assertThat(runsOfStudy(id)).as("resumed, not started again").isEqualTo(2);
    }

    @Test
    void cancellingAStudyCancelsItsPausedTrials() {
        String id = create(HOLDING_STUDY);
        UUID first = runId(awaitTrials(id, 1).get(0));
        train(first, 0.4);
        await().atMost(WAIT).until(() -> "PAUSED".equals(given().get("/api/v1/studies/" + id).then().extract()
                .path("trials[0].state")));

        given().post("/api/v1/studies/" + id + "/cancel").then().statusCode(200).body("status", is("CANCELLED"))
                .body("trials[0].state", is("CANCELLED"));
        assertThat(QuarkusTransaction.requiringNew().call(() -> runs.findById(first)).status)
                .isEqualTo(RunStatus.CANCELLED);
    }

    @Test
    void invalidStudiesAreRefusedWithEveryProblemNamed() {
        given().contentType(ContentType.JSON).body("{\"base\": " + BASE + ", \"parameters\": [],"
                + " \"algorithm\": \"annealing\"}").post("/api/v1/studies")
                .then().statusCode(400)
                .body("violations.field", hasItem("parameters"))
                .body("violations.field", hasItem("algorithm"));
        given().contentType(ContentType.JSON).body("{\"base\": " + BASE + ", \"parameters\": [{\"name\": \"learningRate\","
                + " \"type\": \"double\", \"min\": 0, \"max\": 0.1, \"log\": true}, {\"name\": \"modelArgs.c1\","
                + " \"type\": \"int\", \"min\": 8, \"max\": 64}], \"algorithm\": \"random\"}").post("/api/v1/studies")
                .then().statusCode(400)
                .body("detail", containsString("problem"))
                .body("violations.message", hasItem(containsString("min > 0")))
                .body("violations.message", hasItem(containsString("c1")));
        given().get("/api/v1/studies/" + UUID.randomUUID()).then().statusCode(404);
        given().get("/api/v1/studies/not-a-uuid").then().statusCode(400).body("violations[0].field", is("id"));
    }

    private static String create(String body) {
        return given().contentType(ContentType.JSON).body(body).post("/api/v1/studies")
                .then().statusCode(202).extract().path("id");
    }

    private static List<Map<String, Object>> awaitTrials(String id, int count) {
        await().atMost(WAIT).until(() -> given().get("/api/v1/studies/" + id).then().extract()
                .jsonPath().getList("trials").size() >= count);
        return given().get("/api/v1/studies/" + id).then().extract().jsonPath().getList("trials");
    }

    private static JsonPath awaitStatus(String id, String status) {
        await().atMost(WAIT).until(() -> status.equals(given().get("/api/v1/studies/" + id).then().extract()
                .path("status")));
        return given().get("/api/v1/studies/" + id).then().extract().jsonPath();
    }

    private static UUID runId(Map<String, Object> trial) {
        return UUID.fromString((String) trial.get("runId"));
    }

    private static List<Object> parameters(List<Map<String, Object>> trials) {
        return trials.stream().map(t -> t.get("parameters")).toList();
    }

    private long activeTrials(String id) {
        return QuarkusTransaction.requiringNew().call(() -> runs.count("studyId = ?1 and status in ?2",
                UUID.fromString(id), List.of(RunStatus.QUEUED, RunStatus.CLAIMED, RunStatus.RUNNING)));
    }

    private long runsOfStudy(String id) {
        return QuarkusTransaction.requiringNew().call(() -> runs.count("studyId", UUID.fromString(id)));
    }

    /** Plays a worker: the run trains with these validation losses and succeeds. */
    private void finish(UUID runId, double[] validationLosses) {
        finish(runId, 0, validationLosses);
    }

    /** The same for a run resumed after {@code after} epochs: these are its next epochs' losses. */
    private void finish(UUID runId, int after, double... validationLosses) {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        QuarkusTransaction.requiringNew().run(() -> {
            assertThat(runs.claim(runId, WORKER, now)).isTrue();
            assertThat(runs.start(runId, WORKER, "cpu", now)).isTrue();
            for (int e = after + 1; e <= after + validationLosses.length; e++) {
                epochs.record(runId, e, Json.write(epochMetrics(e, validationLosses[e - after - 1])), now);
            }
            byte[] model = new byte[] {1, 2, 3};
            checkpoints.store(runId, CheckpointRecord.Kind.model, after + validationLosses.length, model, now);
            EvaluationReport test = new EvaluationReport(10, 0.3, 0.9, 5, 1.0, List.of("a", "b"),
                    new long[][] {{5, 0}, {1, 4}}, List.of(new ClassMetrics("a", 5, 0.83, 1.0),
                            new ClassMetrics("b", 5, 1.0, 0.8)));
            assertThat(runs.finish(runId, WORKER, RunStatus.SUCCEEDED, Json.write(test), null, now)).isTrue();
        });
    }

    /** Plays a worker that trains the run's first epochs, each recorded with its checkpoint, and goes on training. */
    private void train(UUID runId, double... validationLosses) {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        QuarkusTransaction.requiringNew().run(() -> {
            assertThat(runs.claim(runId, WORKER, now)).isTrue();
            assertThat(runs.start(runId, WORKER, "cpu", now)).isTrue();
            for (int e = 1; e <= validationLosses.length; e++) {
                assertThat(runs.epochFinished(runId, WORKER, e, e, now)).isTrue();
                epochs.record(runId, e, Json.write(epochMetrics(e, validationLosses[e - 1])), now);
                checkpoints.store(runId, CheckpointRecord.Kind.last, e, new byte[] {(byte) e}, now);
            }
        });
    }

    private static EpochMetrics epochMetrics(int epoch, double validationLoss) {
        return new EpochMetrics(epoch, 1.0, 0.5, validationLoss, 1 - validationLoss, 0.1, 100, 1000, 1.0);
    }

    private void fail(UUID runId) {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        QuarkusTransaction.requiringNew().run(() -> {
            assertThat(runs.claim(runId, WORKER, now)).isTrue();
            assertThat(runs.finish(runId, WORKER, RunStatus.FAILED, null, "diverged", now)).isTrue();
        });
    }
}
