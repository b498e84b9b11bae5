package dev.kiln.gateway;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.is;

import dev.kiln.contracts.messaging.Json;
import dev.kiln.contracts.messaging.Topics;
import dev.kiln.contracts.runs.TrainRequestV1;
import dev.kiln.infra.kafka.KafkaTestResource;
import dev.kiln.infra.kafka.TopicReader;
import dev.kiln.infra.postgres.PostgresTestResource;
import dev.kiln.infra.s3.S3TestResource;
import dev.kiln.store.progress.CheckpointRepository;
import dev.kiln.store.runs.RunRecord;
import dev.kiln.store.runs.RunRepository;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/** What events left undone, the reconciler does from the store: requeue unclaimed runs, register missed results. */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(PostgresTestResource.class)
@QuarkusTestResource(S3TestResource.class)
@TestProfile(ReconcilerTest.Quick.class)
class ReconcilerTest {

    /** Short waits, so the timer acts within the test. */
    public static class Quick implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("kiln.reconcile.requeue-after", "3s", "kiln.reconcile.register-after", "1s");
        }
    }

    private static final Duration WAIT = Duration.ofSeconds(30);

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @Inject
    RunRepository runs;

    @Inject
    CheckpointRepository checkpoints;

    @Test
    void aQueuedRunNoWorkerClaimedHasItsTrainRequestPublishedAgainWithGrowingWaits() {
        UUID id = UUID.randomUUID();
        // As if its train request had been lost (dropped during an outage): stored QUEUED, nothing in the outbox.
        QuarkusTransaction.requiringNew().run(() -> runs.createQueued(id, StoredRuns.SPEC, StoredRuns.now()));

        ConsumerRecord<String, String> request = TopicReader.await(bootstrap, Topics.TRAIN_REQUESTS,
                r -> id.toString().equals(r.key()), WAIT);

        assertThat(request).as("train request published again").isNotNull();
        TrainRequestV1 published = Json.read(request.value(), TrainRequestV1.class).requireComplete();
        assertThat(published.spec()).isEqualTo(StoredRuns.SPEC);
        RunRecord run = QuarkusTransaction.requiringNew().call(() -> runs.findById(id));
        assertThat(run.requeues).isEqualTo(1);
        // The next copy waits twice as long (6 s): within 4 s there is still only one.
        assertThat(TopicReader.count(bootstrap, Topics.TRAIN_REQUESTS, r -> id.toString().equals(r.key()),
                Duration.ofSeconds(2))).isEqualTo(1);
    }

    @Test
    void aClaimedRunIsNotPublishedAgain() {
        UUID id = UUID.randomUUID();
        QuarkusTransaction.requiringNew().run(() -> runs.createQueued(id, StoredRuns.SPEC, StoredRuns.now()));
        QuarkusTransaction.requiringNew().run(() -> runs.claim(id, StoredRuns.WORKER, StoredRuns.now()));

        assertThat(TopicReader.count(bootstrap, Topics.TRAIN_REQUESTS, r -> id.toString().equals(r.key()),
                Duration.ofSeconds(6))).isZero();
    }

    @Test
    void aSucceededRunWhoseCompletedEventWasLostIsRegisteredAndPromoted() {
        String model = "reconciled-" + UUID.randomUUID().toString().substring(0, 8);
        // No COMPLETED event is ever sent for it.
        UUID runId = StoredRuns.succeeded(runs, checkpoints, model, 0.9, 0.3);

        await().atMost(WAIT).untilAsserted(() -> given().get("/api/v1/models/" + model).then().statusCode(200)
                .body("latestVersion", is(1))
                .body("aliases.champion", is(1))
                .body("versions[0].runId", is(runId.toString())));
    }
}
