package dev.kiln.inference;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import dev.kiln.contracts.messaging.Json;
import dev.kiln.contracts.messaging.Topics;
import dev.kiln.contracts.models.ModelServingEventV1;
import dev.kiln.infra.kafka.KafkaTestResource;
import dev.kiln.infra.kafka.TopicReader;
import dev.kiln.infra.postgres.PostgresTestResource;
import dev.kiln.infra.s3.S3TestResource;
import dev.kiln.inference.serving.ReplicaIdentity;
import dev.kiln.inference.serving.ServingEvents;
import dev.kiln.store.serving.ReplicaServingRepository;
import dev.kiln.store.serving.ReplicaServingRepository.Replica;
import dev.kiln.store.serving.ReplicaServingRepository.State;
import dev.kiln.vision.checkpoints.Checkpoint;
import dev.kiln.vision.checkpoints.CheckpointManifest;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * Promotions swap the served version under load with no failed request; a bad checkpoint never replaces one. The
 * replica's serving rows (what the console lists) follow its serving events.
 */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(PostgresTestResource.class)
@QuarkusTestResource(S3TestResource.class)
class HotSwapTest extends ServingTestSupport {

    @Inject
    ServingEvents events;

    @Inject
    ReplicaServingRepository replicaServing;

    @Inject
    ReplicaIdentity replica;

    private static final Duration KAFKA_WAIT = Duration.ofSeconds(30);

    @Test
    void aPromotionSwapsTheServedVersionUnderLoadWithoutAFailedRequest() throws Exception {
        String model = "digits-swap";
        awaitServed(model, promote(model, ServingFixtures.first().model().toBytes()));

        AtomicBoolean hammering = new AtomicBoolean(true);
        Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
        Map<Integer, AtomicInteger> versions = new ConcurrentHashMap<>();
        ExecutorService clients = Executors.newFixedThreadPool(3);
        for (int c = 0; c < 3; c++) {
            int client = c;
            clients.execute(() -> {
                for (int i = client; hammering.get(); i += 3) {
                    Response response = given().contentType("image/png").body(testPng(i % 100))
                            .post("/api/v1/models/" + model + "/predict");
                    statuses.computeIfAbsent(response.statusCode(), s -> new AtomicInteger()).incrementAndGet();
                    if (response.statusCode() == 200) {
                        versions.computeIfAbsent(response.path("version"), v -> new AtomicInteger()).incrementAndGet();
                    }
                }
            });
        }
        int second = promote(model, ServingFixtures.second().model().toBytes());
        awaitServed(model, second);
        Thread.sleep(300);
        hammering.set(false);
        clients.shutdown();
        assertThat(clients.awaitTermination(30, TimeUnit.SECONDS)).isTrue();

        assertThat(statuses.keySet()).as("every request during the swap answered 200").containsOnly(200);
        assertThat(versions.keySet()).containsExactlyInAnyOrder(1, 2);
        ConsumerRecord<String, String> retired = TopicReader.await(bootstrap, Topics.MODEL_SERVING_EVENTS, r -> {
            ModelServingEventV1 event = Json.read(r.value(), ModelServingEventV1.class);
            return event.model().equals(model) && event.type() == ModelServingEventV1.Type.RETIRED && event.version() == 1;
        }, KAFKA_WAIT);
        assertThat(retired).as("version 1 released after its last request").isNotNull();
        // The RETIRED event left in the transaction that removed v1's row: only v2 is left.
        assertThat(servedHere(model)).as("this replica's serving rows after the swap")
                .containsExactly(new Served(2, "champion", State.LOADED, null));
        given().get("/q/metrics").then().statusCode(200)
                .body(containsString("kiln_inference_swaps_total{model=\"" + model + "\"} 1.0"))
                .body(containsString("kiln_inference_model_version{model=\"" + model + "\"} 2.0"));
    }

    @Test
    void aCheckpointThatFailsToVerifyOrLoadLeavesTheChampionServing() {
        String model = "digits-guarded";
        byte[] good = ServingFixtures.first().model().toBytes();
        awaitServed(model, promote(model, good));
        awaitEvent(model, ModelServingEventV1.Type.LOADED, 1);
        assertThat(servedHere(model)).containsExactly(new Served(1, "champion", State.LOADED, null));

        // The registry pins the bytes it was given, but they are not a checkpoint any more.
        byte[] corrupt = good.clone();
        for (int i = corrupt.length / 2; i < corrupt.length / 2 + 64; i++) {
            corrupt[i] ^= 0x5a;
        }
        int broken = promote(model, corrupt);
        assertThat(awaitLoadFailure(model, broken).reason()).contains("checkpoint");
        // The registry pins a file the artifact store does not have (deleted behind Kiln's back).
        byte[] neverStored = "not a stored checkpoint".getBytes(StandardCharsets.UTF_8);
        int missing = promote(model, ServingFixtures.second().model().toBytes(), Checkpoint.sha256(neverStored));
        assertThat(awaitLoadFailure(model, missing).reason()).contains("no blob").contains("artifact store");
        // Both failures were recorded beside their events (before the pinned request below adds its own); the
        // champion the replica still serves stays LOADED.
        assertThat(servedHere(model)).extracting(Served::version, Served::alias, Served::state).containsExactly(
                tuple(1, "champion", State.LOADED), tuple(broken, "champion", State.LOAD_FAILED),
                tuple(missing, "champion", State.LOAD_FAILED));
        assertThat(servedHere(model).get(2).reason()).contains("no blob");

        given().contentType("image/png").body(testPng(3)).post("/api/v1/models/" + model + "/predict")
                .then().statusCode(200).body("version", is(1));
        given().get("/v2/models/" + model + "/versions/" + broken + "/ready").then().statusCode(503)
                .body("error", containsString("cannot be served"));
        given().get("/q/health/ready").then().statusCode(200);
        double failures = loadFailures(model);
        // Asked for again at once, the broken version answers its failure without being loaded again.
        for (int i = 0; i < 3; i++) {
            given().get("/v2/models/" + model + "/versions/" + broken + "/ready").then().statusCode(503)
                    .body("error", containsString("cannot be served"))
                    .body("error", containsString("tried again after 30 s"));
        }
        assertThat(loadFailures(model)).as("load failures after asking three more times").isEqualTo(failures);
    }

    private static double loadFailures(String model) {
        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        String counter = "kiln_inference_load_failures_total{model=\"" + model + "\"} ";
        return metrics.lines().filter(line -> line.startsWith(counter))
                .mapToDouble(line -> Double.parseDouble(line.substring(counter.length()))).findFirst().orElseThrow();
    }

    @Test
    void aVersionThatFailsItsWarmUpIsNeitherCountedNorRetired() throws Exception {
        String model = "digits-not-finite";
        awaitServed(model, promote(model, ServingFixtures.first().model().toBytes()));
        double resident = residentVersions();

        // It verifies and builds, but its passes give NaN: the warm-up refuses it after the version was made.
        int broken = promote(model, notFinite(ServingFixtures.first().model()));
        assertThat(awaitLoadFailure(model, broken).reason()).contains("non-finite");
        assertThat(residentVersions()).as("versions in memory, the failed one never counted").isEqualTo(resident);
        // Its events are queued in order, so a RETIRED one would have come before the LOAD_FAILED one.
        assertThat(TopicReader.await(bootstrap, Topics.MODEL_SERVING_EVENTS, r -> {
            ModelServingEventV1 event = Json.read(r.value(), ModelServingEventV1.class);
            return event.model().equals(model) && event.type() == ModelServingEventV1.Type.RETIRED
                    && event.version() == broken;
        }, Duration.ofSeconds(2))).as("no RETIRED event for a version never LOADED").isNull();
        given().contentType("image/png").body(testPng(3)).post("/api/v1/models/" + model + "/predict")
                .then().statusCode(200).body("version", is(1));
    }

    /** The checkpoint with its first parameter set to NaN, its digest made to match. */
    private static byte[] notFinite(Checkpoint checkpoint) throws Exception {
        try (NDManager manager = NDManager.newBaseManager()) {
            Block block = checkpoint.loadBlock(manager);
            block.getParameters().valueAt(0).getArray().muli(Float.NaN);
            byte[] parameters = Checkpoint.parametersOf(block);
            CheckpointManifest m = checkpoint.manifest();
            return new Checkpoint(new CheckpointManifest(m.format(), m.model(), m.modelArgs(), m.classes(),
                    m.evalTransform(), m.epoch(), m.metrics(), m.seed(), m.device(), m.spec(), m.versions(),
                    Checkpoint.sha256(parameters), m.createdAt(), m.summary()), parameters, null, null, null).toBytes();
        }
    }

    private static double residentVersions() {
        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        return metrics.lines().filter(line -> line.startsWith("kiln_inference_versions_resident "))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.indexOf(' ') + 1))).findFirst()
                .orElseThrow();
    }

    @Test
    void aHeartbeatMovesTheReplicasSeenAt() throws Exception {
        assertThat(events.heartbeat().get()).as("the first heartbeat written").isTrue();
        Replica before = thisReplica("digits-heartbeat");
        assertThat(events.heartbeat().get()).as("the second heartbeat written").isTrue();
        Replica after = thisReplica("digits-heartbeat");

        assertThat(after.seenAt()).isAfter(before.seenAt());
        assertThat(after.startedAt()).isEqualTo(before.startedAt());
        assertThat(after.live()).isTrue();
        assertThat(after.versions()).as("a model this replica never loaded").isEmpty();
    }

    /** This replica's rows for the model, as the gateway reads them, without their times. */
    private List<Served> servedHere(String model) {
        return thisReplica(model).versions().stream()
                .map(s -> new Served(s.version(), s.alias(), s.state(), s.reason())).toList();
    }

    private Replica thisReplica(String model) {
        List<Replica> replicas = QuarkusTransaction.requiringNew().call(() ->
                replicaServing.forModel(model, Duration.ofMinutes(10)));
        return replicas.stream().filter(r -> r.id().equals(replica.id())).findFirst()
                .orElseThrow(() -> new AssertionError("replica " + replica.id() + " not listed: " + replicas));
    }

    private record Served(int version, String alias, State state, String reason) {
    }

    private void awaitEvent(String model, ModelServingEventV1.Type type, int version) {
        ConsumerRecord<String, String> record = TopicReader.await(bootstrap, Topics.MODEL_SERVING_EVENTS, r -> {
            ModelServingEventV1 event = Json.read(r.value(), ModelServingEventV1.class);
            return event.model().equals(model) && event.type() == type && event.version() == version;
        }, KAFKA_WAIT);
        assertThat(record).as("a " + type + " event for v" + version).isNotNull();
    }

    private ModelServingEventV1 awaitLoadFailure(String model, int version) {
        ConsumerRecord<String, String> failed = TopicReader.await(bootstrap, Topics.MODEL_SERVING_EVENTS, r -> {
            ModelServingEventV1 event = Json.read(r.value(), ModelServingEventV1.class);
            return event.model().equals(model) && event.type() == ModelServingEventV1.Type.LOAD_FAILED
                    && event.version() == version;
        }, KAFKA_WAIT);
        assertThat(failed).as("a LOAD_FAILED event for v" + version).isNotNull();
        return Json.read(failed.value(), ModelServingEventV1.class);
    }
}
