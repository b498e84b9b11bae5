package dev.kiln.gateway.triggers;

import static dev.kiln.infra.kafka.TopicReader.header;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

import dev.kiln.contracts.datasets.DatasetEventV1;
import dev.kiln.contracts.messaging.Topics;
import dev.kiln.gateway.StoredDatasets;
import dev.kiln.infra.kafka.KafkaTestResource;
import dev.kiln.infra.kafka.TopicReader;
import dev.kiln.infra.postgres.PostgresTestResource;
import dev.kiln.infra.s3.S3TestResource;
import dev.kiln.messaging.Outbox;
import dev.kiln.store.triggers.TriggerRepository.Trigger;
import dev.kiln.store.triggers.TriggerRepository;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/**
 * Triggers against the real broker and store: a READY data set version, a Kiln event and a schedule each submit
 * one run per cause, however often the cause arrives (redelivery after a crash, the sweep beside the consumer,
 * replicas sweeping at once).
 */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(PostgresTestResource.class)
@QuarkusTestResource(S3TestResource.class)
class TriggersTest {

    private static final Duration KAFKA_WAIT = Duration.ofSeconds(60);

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @Inject
    EntityManager em;

    @Inject
    StoredDatasets storedDatasets;

    @Inject
    Outbox outbox;

    @Inject
    TriggerEvents events;

    @Inject
    TriggerSweep sweep;

    @Inject
    TriggerRepository triggerStore;

    @Inject
    TriggerFirings firingsOf;

    @Test
    void aVersionBecomingReadyTrainsOnItOnceHoweverOftenItsEventArrives() throws Exception {
        String dataset = "trig-" + UUID.randomUUID().toString().substring(0, 8);
        storedDatasets.create(dataset);
        String trigger = create("{\"name\": \"on-" + dataset + "\", \"when\": {\"datasetReady\": \"" + dataset
                + "\"}, \"run\": {\"spec\": {\"model\": \"mlp\", \"epochs\": 1}, \"registeredModel\": \"" + dataset
                + "-mlp\"}}").then().statusCode(201).body("when.datasetReady", is(dataset))
                .body("run.spec.dataset", is(dataset)).extract().path("id");

        // As the validating worker leaves it: READY, then its event (which the worker writes in that transaction).
        StoredDatasets.Ready ready = storedDatasets.ready(dataset, 2);
        QuarkusTransaction.requiringNew().run(() -> outbox.publish(DatasetEventV1.ready(dataset, 1,
                ready.version().archiveSha256(), ready.version().packedSha256(), 8, Instant.now())));

        String run = await().atMost(KAFKA_WAIT).until(() -> firings(trigger), f -> f.size() == 1).get(0).runId()
                .toString();
        given().get("/api/v1/runs/" + run).then().statusCode(200).body("spec.dataset", is(dataset + "@1"))
                .body("spec.data.version", is(dataset + "@1")).body("registeredModel", is(dataset + "-mlp"));

        // The event again (a redelivery after a crash), and the sweep: the same cause, nothing new.
        ConsumerRecord<String, String> readyEvent = TopicReader.await(bootstrap, Topics.DATASET_EVENTS,
                r -> dataset.equals(r.key()) && r.value().contains("\"READY\""), KAFKA_WAIT);
        assertThat(header(readyEvent, "ce_type")).isEqualTo("dev.kiln.dataset.ready.v1");
        events.receive(readyEvent);
        sweep.sweep(Instant.now());
        assertThat(firings(trigger)).singleElement().satisfies(f -> {
            assertThat(f.cause()).isEqualTo(dataset + "@1");
            assertThat(f.runId()).hasToString(run);
        });
        assertThat(runsSubmittedBy(trigger)).isEqualTo(1);
    }

    @Test
    void anEventTriggerFiresForItsTypeAndSubjectOncePerEvent() {
        String watched = submitRun();
        String other = submitRun();
        String trigger = create("{\"name\": \"after-cancel-" + watched.substring(0, 8) + "\", \"when\": {\"event\":"
                + " {\"type\": \"dev.kiln.run.cancelled.v1\", \"subject\": \"" + watched + "\"}}, \"run\": {\"spec\":"
                + " {\"dataset\": \"mnist-sample\", \"model\": \"mlp\", \"epochs\": 1}}}").then().statusCode(201)
                .extract().path("id");

        given().post("/api/v1/runs/" + other + "/cancel").then().statusCode(202);
        given().post("/api/v1/runs/" + watched + "/cancel").then().statusCode(202);

        TriggerView.FiringView firing = await().atMost(KAFKA_WAIT).until(() -> firings(trigger), f -> f.size() == 1)
                .get(0);
        ConsumerRecord<String, String> cancelled = TopicReader.await(bootstrap, Topics.RUN_EVENTS,
                r -> watched.equals(r.key()) && r.value().contains("\"CANCELLED\""), KAFKA_WAIT);
        assertThat(firing.cause()).as("the event's ce_id").isEqualTo(header(cancelled, "ce_id"));
        given().get("/api/v1/runs/" + firing.runId()).then().statusCode(200).body("status", is("QUEUED"));

        events.receive(cancelled);
        assertThat(firings(trigger)).hasSize(1);
        assertThat(runsSubmittedBy(trigger)).isEqualTo(1);
    }

    @Test
    void aTriggerCanStartAStudyOncePerCauseEvenWhenReplicasFireTogether() throws Exception {
        String watched = submitRun();
        String trigger = create("{\"name\": \"study-after-" + watched.substring(0, 8) + "\", \"when\": {\"event\":"
                + " {\"type\": \"dev.kiln.run.cancelled.v1\", \"subject\": \"" + watched + "\"}}, \"study\": {\"base\":"
                + " {\"dataset\": \"mnist-sample\", \"model\": \"mlp\", \"epochs\": 1}, \"parameters\": [{\"name\":"
                + " \"learningRate\", \"type\": \"categorical\", \"values\": [0.1, 0.05]}], \"parallelTrials\": 1}}")
                .then().statusCode(201).body("study.base.model", is("mlp")).body("$", not(hasKey("run")))
                .extract().path("id");

        given().post("/api/v1/runs/" + watched + "/cancel").then().statusCode(202);

        TriggerView.FiringView firing = await().atMost(KAFKA_WAIT).until(() -> firings(trigger), f -> f.size() == 1)
                .get(0);
        assertThat(firing.runId()).isNull();
        given().get("/api/v1/studies/" + firing.studyId()).then().statusCode(200)
                .body("spec.base.model", is("mlp")).body("spec.parameters[0].name", is("learningRate"));

        // Four replicas firing it for one more cause at once: one study.
        Trigger stored = QuarkusTransaction.requiringNew().call(() -> triggerStore.find(UUID.fromString(trigger),
                "default"));
        asReplicasAtOnce(4, () -> firingsOf.fire(stored, "the-same-cause", null));
        assertThat(firings(trigger)).hasSize(2).allSatisfy(f -> assertThat(f.studyId()).isNotNull());
        assertThat(studiesStartedBy(trigger)).isEqualTo(2);
    }

    @Test
    void aScheduleFiresOncePerDueTimeWhenReplicasSweepTogether() throws Exception {
        // Due at midnight on the first of January, UTC: never between now and the sweeps this test makes.
        String trigger = create("{\"name\": \"new-year-" + UUID.randomUUID().toString().substring(0, 8)
                + "\", \"when\": {\"schedule\": \"0 0 1 1 *\"}, \"run\": {\"spec\": {\"dataset\": \"mnist-sample\","
                + " \"model\": \"mlp\", \"epochs\": 1}}}").then().statusCode(201).extract().path("id");
        Instant newYear = ZonedDateTime.of(ZonedDateTime.now(ZoneOffset.UTC).getYear() + 1, 1, 1, 0, 0, 30, 0,
                ZoneOffset.UTC).toInstant();

        asReplicasAtOnce(4, () -> sweep.sweep(newYear));
        sweep.sweep(newYear.plusSeconds(20));

        assertThat(firings(trigger)).singleElement().satisfies(f -> {
            assertThat(f.cause()).isEqualTo("schedule@" + newYear.minusSeconds(30));
            assertThat(f.runId()).isNotNull();
        });
        assertThat(runsSubmittedBy(trigger)).isEqualTo(1);

        // Paused, the next year's midnight passes without a firing; resumed, the one after fires.
        given().contentType(ContentType.JSON).body("{\"paused\": true}").patch("/api/v1/triggers/" + trigger).then()
                .statusCode(200).body("paused", is(true));
        Instant yearAfter = newYear.atZone(ZoneOffset.UTC).plusYears(1).toInstant();
        sweep.sweep(yearAfter);
        assertThat(firings(trigger)).hasSize(1);
        given().contentType(ContentType.JSON).body("{\"paused\": false}").patch("/api/v1/triggers/" + trigger).then()
                .statusCode(200).body("paused", is(false));
        sweep.sweep(yearAfter.atZone(ZoneOffset.UTC).plusYears(1).toInstant());
        assertThat(firings(trigger)).hasSize(2);
    }

    @Test
    void badTriggersAreRefusedNamingTheField() {
        String spec = "\"run\": {\"spec\": {\"dataset\": \"mnist-sample\", \"model\": \"mlp\"}}";
        refused("{\"name\": \"t1\", \"when\": {\"schedule\": \"every day\"}, " + spec + "}", "when.schedule",
                "cron");
        refused("{\"name\": \"t2\", \"when\": {\"schedule\": \"0 3 * * *\", \"datasetReady\": \"x\"}, " + spec + "}",
                "when", "exactly one");
        refused("{\"name\": \"t3\", \"when\": {\"datasetReady\": \"no-such-data\"}, " + spec + "}",
                "when.datasetReady", "no data set no-such-data");
        refused("{\"name\": \"t4\", \"when\": {\"event\": {}}, " + spec + "}", "when.event.type", "CloudEvents type");
        refused("{\"name\": \"t5\", \"when\": {\"schedule\": \"0 3 * * *\"}, \"run\": {\"spec\": {\"dataset\":"
                + " \"mnist-sample\", \"model\": \"no-such-net\"}}}", "run.spec.model", "");
        refused("{\"name\": \"t6\", \"when\": {\"schedule\": \"0 3 * * *\"}}", "run", "exactly one of run");
        refused("{\"name\": \"t7\", \"when\": {\"schedule\": \"0 3 * * *\"}, \"study\": {\"base\": {\"dataset\":"
                + " \"mnist-sample\", \"model\": \"mlp\"}, \"parameters\": []}}", "study.parameters", "");
        refused("{\"name\": \"bad name!\", \"when\": {\"schedule\": \"0 3 * * *\"}, " + spec + "}", "name", "");

        String body = "{\"name\": \"nightly-" + UUID.randomUUID().toString().substring(0, 8)
                + "\", \"when\": {\"schedule\": \"0 3 * * *\"}, " + spec + "}";
        String id = create(body).then().statusCode(201).header("Location", containsString("/api/v1/triggers/"))
                .extract().path("id");
        create(body).then().statusCode(409);
        given().get("/api/v1/triggers").then().statusCode(200).body("id", hasItem(id));
        given().delete("/api/v1/triggers/" + id).then().statusCode(204);
        given().get("/api/v1/triggers/" + id).then().statusCode(404);
        given().get("/api/v1/triggers/not-a-uuid").then().statusCode(400).body("violations[0].field", is("id"));
    }

    /** Runs the action on {@code replicas} threads released together, as gateway replicas doing it at once. */
    private static void asReplicasAtOnce(int replicas, Runnable action) throws Exception {
        CyclicBarrier together = new CyclicBarrier(replicas);
        ExecutorService pool = Executors.newFixedThreadPool(replicas);
        try {
            List<Future<?>> running = new ArrayList<>();
            for (int i = 0; i < replicas; i++) {
                running.add(pool.submit(() -> {
                    together.await();
                    action.run();
                    return null;
                }));
            }
            for (Future<?> f : running) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static Response create(String body) {
        return given().contentType(ContentType.JSON).body(body).post("/api/v1/triggers");
    }

    private static void refused(String body, String field, String message) {
        create(body).then().statusCode(400).body("violations.field", hasItem(field))
                .body("violations.message", hasItem(containsString(message)));
    }

    private static List<TriggerView.FiringView> firings(String trigger) {
        return List.of(given().get("/api/v1/triggers/" + trigger + "/firings").then().statusCode(200).extract()
                .as(TriggerView.FiringView[].class));
    }

    private long runsSubmittedBy(String trigger) {
        return QuarkusTransaction.requiringNew().call(() -> ((Number) em.createNativeQuery(
                "select count(*) from runs where idempotency_key like ?1").setParameter(1, "trigger/" + trigger + "/%")
                .getSingleResult()).longValue());
    }

    private long studiesStartedBy(String trigger) {
        return QuarkusTransaction.requiringNew().call(() -> ((Number) em.createNativeQuery(
                "select count(*) from studies where idempotency_key like ?1")
                .setParameter(1, "trigger/" + trigger + "/%").getSingleResult()).longValue());
    }

    private static String submitRun() {
        return given().contentType(ContentType.JSON)
                .body("{\"spec\": {\"dataset\": \"mnist-sample\", \"model\": \"mlp\", \"epochs\": 1}}")
                .post("/api/v1/runs").then().statusCode(202).extract().path("id");
    }
}
