package dev.kiln.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kiln.contracts.messaging.Json;
import dev.kiln.contracts.messaging.Topics;
import dev.kiln.contracts.runs.RunEventType;
import dev.kiln.contracts.runs.RunEventV1;
import dev.kiln.contracts.runs.RunStatus;
import dev.kiln.contracts.runs.TrainRequestV1;
import dev.kiln.contracts.runs.TrainingSpec;
import dev.kiln.infra.kafka.RestartableKafkaTestResource;
import dev.kiln.infra.kafka.TopicReader;
import dev.kiln.infra.postgres.PostgresTestResource;
import dev.kiln.infra.s3.S3TestResource;
import dev.kiln.store.outbox.OutboxRepository;
import dev.kiln.store.runs.RunRecord;
import dev.kiln.store.runs.RunRepository;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;
import org.junit.jupiter.api.Test;

/**
 * Kafka goes away while a run trains, for longer than the producer's delivery timeout: the training does not
 * wait for it, every step is recorded with its events in the outbox, and once the broker is back every event
 * is published exactly once, in order.
 */
@QuarkusTest
@QuarkusTestResource(RestartableKafkaTestResource.class)
@QuarkusTestResource(PostgresTestResource.class)
@QuarkusTestResource(S3TestResource.class)
class KafkaOutageTest {

    private static final Logger LOG = Logger.getLogger(KafkaOutageTest.class);
    private static final int EPOCHS = 4;
    /** Longer than the relay producer's max.block.ms + delivery.timeout.ms (5 s + 15 s): every send has failed. */
    private static final Duration OUTAGE = Duration.ofSeconds(30);

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @Inject
    RunRepository runs;

    @Inject
    OutboxRepository outbox;

    @Test
    void aRunTrainsThroughAKafkaOutageAndEveryEventIsPublishedOnceWhenItIsBack() throws Exception {
        TrainingSpec spec = TrainingSpec.of("mnist-sample", "fc2layer", EPOCHS, 64, "sgd", 0.05, 21L).withDefaults();
        UUID runId = UUID.randomUUID();
        QuarkusTransaction.requiringNew().run(() -> runs.createQueued(runId, spec,
                Instant.now().truncatedTo(ChronoUnit.MICROS)));
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(
                Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap), new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>(Topics.TRAIN_REQUESTS, runId.toString(),
                    Json.write(TrainRequestV1.of(runId, spec, Instant.now())))).get();
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> run(runId).status == RunStatus.RUNNING);

        long down = System.nanoTime();
        RestartableKafkaTestResource.broker().stopBroker();
        long pendingDuringOutage;
        try {
            RunRecord finished = await().atMost(Duration.ofSeconds(120))
                    .until(() -> run(runId), run -> run.finishedAt != null);
            Duration trainedWithoutKafka = Duration.ofNanos(System.nanoTime() - down);
            assertThat(finished.status).isEqualTo(RunStatus.SUCCEEDED);
            assertThat(finished.epochsDone).isEqualTo(EPOCHS);
            LOG.infof("Run %s finished %s after Kafka went down, without it", runId, trainedWithoutKafka);
            Thread.sleep(Math.max(0, OUTAGE.minus(trainedWithoutKafka).toMillis()));
            pendingDuringOutage = pending(runId);
        } finally {
            RestartableKafkaTestResource.broker().startBroker();
        }
        assertThat(pendingDuringOutage).as("the run's events wait in the outbox while Kafka is away").isPositive();

        await().atMost(Duration.ofSeconds(90)).until(() -> pending(runId) == 0);
        List<RunEventV1> events = TopicReader.matching(bootstrap, Topics.RUN_EVENTS,
                        r -> runId.toString().equals(r.key()), Duration.ofSeconds(5)).stream()
                .map(r -> Json.read(r.value(), RunEventV1.class)).toList();
        List<RunEventType> types = events.stream().map(RunEventV1::type).toList();
        assertThat(types).as("one CLAIMED, one STARTED").containsOnlyOnce(RunEventType.CLAIMED, RunEventType.STARTED);
        assertThat(events.stream().filter(e -> e.type() == RunEventType.EPOCH).map(RunEventV1::epoch))
                .as("every epoch once, in order").containsExactly(1, 2, 3, 4);
        assertThat(events.stream().filter(e -> e.type() == RunEventType.CHECKPOINT && "last".equals(e.checkpoint().kind()))
                .map(RunEventV1::epoch)).containsExactly(1, 2, 3, 4);
        assertThat(events.stream().filter(e -> e.type() == RunEventType.CHECKPOINT && "model".equals(e.checkpoint().kind())))
                .hasSize(1);
        assertThat(types).as("COMPLETED once, last").endsWith(RunEventType.COMPLETED)
                .containsOnlyOnce(RunEventType.COMPLETED);
    }

    private RunRecord run(UUID runId) {
        return QuarkusTransaction.requiringNew().call(() -> runs.findById(runId));
    }

    private long pending(UUID runId) {
        return QuarkusTransaction.requiringNew().call(() ->
                outbox.count("messageKey = ?1 and publishedAt is null", runId.toString()));
    }
}
