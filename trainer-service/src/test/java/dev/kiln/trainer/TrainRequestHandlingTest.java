package dev.kiln.trainer;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;

import dev.kiln.contracts.messaging.Json;
import dev.kiln.contracts.messaging.Topics;
import dev.kiln.contracts.runs.RunEventType;
import dev.kiln.contracts.runs.RunEventV1;
import dev.kiln.contracts.runs.RunStatus;
import dev.kiln.contracts.runs.TrainRequestV1;
import dev.kiln.contracts.runs.TrainingSpec;
import dev.kiln.infra.kafka.KafkaTestResource;
import dev.kiln.infra.kafka.TopicReader;
import dev.kiln.infra.postgres.PostgresTestResource;
import dev.kiln.store.runs.RunRecord;
import dev.kiln.store.runs.RunRepository;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/** The trainer worker against a real Kafka broker and a real PostgreSQL. */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(PostgresTestResource.class)
class TrainRequestHandlingTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final TrainingSpec SPEC = TrainingSpec.of("fashion-mnist", "mnist-cnn", 1, 64, "adam", 0.001, 42L);

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @Inject
    RunRepository runs;

    @Test
    void queuedRunIsClaimedAndAnnounced() throws Exception {
        UUID runId = storeQueuedRun();

        send(runId.toString(), Json.write(TrainRequestV1.of(runId, SPEC, Instant.now())));

        RunRecord run = awaitStatus(runId, RunStatus.CLAIMED);
        assertThat(run.worker).startsWith("trainer-");
        assertThat(run.claimedAt).isNotNull();
        ConsumerRecord<String, String> event = TopicReader.await(bootstrap, Topics.RUN_EVENTS,
                r -> runId.toString().equals(r.key()), WAIT);
        assertThat(event).as("CLAIMED event on %s", Topics.RUN_EVENTS).isNotNull();
        RunEventV1 claimed = Json.read(event.value(), RunEventV1.class);
        assertThat(claimed.type()).isEqualTo(RunEventType.CLAIMED);
        assertThat(claimed.worker()).isEqualTo(run.worker);
    }

    @Test
    void poisonMessagesGoToTheDeadLetterTopicAndDoNotBlockThePartition() throws Exception {
        UUID unknownRun = UUID.randomUUID();
        UUID goodRun = storeQueuedRun();
        // One key, so all three land on one partition, in this order.
        String key = "same-partition";
        send(key, "{ this is not json");
        send(key, Json.write(TrainRequestV1.of(unknownRun, SPEC, Instant.now())));
        send(key, Json.write(TrainRequestV1.of(goodRun, SPEC, Instant.now())));

        awaitStatus(goodRun, RunStatus.CLAIMED);
        ConsumerRecord<String, String> garbage = TopicReader.await(bootstrap, Topics.TRAIN_REQUESTS_DLQ,
                r -> r.value().startsWith("{ this is not json"), WAIT);
        assertThat(garbage).as("unreadable request dead-lettered").isNotNull();
        assertThat(header(garbage, "dead-letter-reason")).contains("TrainRequestV1");
        ConsumerRecord<String, String> unknown = TopicReader.await(bootstrap, Topics.TRAIN_REQUESTS_DLQ,
                r -> r.value().contains(unknownRun.toString()), WAIT);
        assertThat(unknown).as("request for an unknown run dead-lettered").isNotNull();
        assertThat(header(unknown, "dead-letter-reason")).contains("No run " + unknownRun);
    }

    @Test
    void redeliveredRequestKeepsTheFirstOwner() throws Exception {
        UUID runId = storeQueuedRun();
        String request = Json.write(TrainRequestV1.of(runId, SPEC, Instant.now()));
        send(runId.toString(), request);
        String owner = awaitStatus(runId, RunStatus.CLAIMED).worker;
        Instant claimedAt = awaitStatus(runId, RunStatus.CLAIMED).claimedAt;

        send(runId.toString(), request);
        UUID marker = storeQueuedRun();
        send(runId.toString(), Json.write(TrainRequestV1.of(marker, SPEC, Instant.now())));
        awaitStatus(marker, RunStatus.CLAIMED);

        RunRecord run = QuarkusTransaction.requiringNew().call(() -> runs.findById(runId));
        assertThat(run.worker).isEqualTo(owner);
        assertThat(run.claimedAt).isEqualTo(claimedAt);
    }

    @Test
    void readinessReportsTheEngineKafkaAndDatabase() {
        given().get("/q/health/ready").then().statusCode(200)
                .body("status", is("UP"))
                .body("checks.name", hasItem("djl-engine"))
                .body("checks.find { it.name == 'djl-engine' }.data.engine", is("PyTorch"));
    }

    private UUID storeQueuedRun() {
        UUID id = UUID.randomUUID();
        QuarkusTransaction.requiringNew().run(() ->
                runs.createQueued(id, SPEC, Instant.now().truncatedTo(ChronoUnit.MICROS)));
        return id;
    }

    private RunRecord awaitStatus(UUID runId, RunStatus status) {
        return await().atMost(WAIT).until(
                () -> QuarkusTransaction.requiringNew().call(() -> runs.findById(runId)),
                run -> run != null && run.status == status);
    }

    private void send(String key, String value) throws Exception {
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(
                Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap),
                new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>(Topics.TRAIN_REQUESTS, key, value)).get();
        }
    }

    private static String header(ConsumerRecord<String, String> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }
}
