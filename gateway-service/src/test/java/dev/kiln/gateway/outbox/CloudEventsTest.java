package dev.kiln.gateway.outbox;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.contracts.messaging.Json;
import dev.kiln.contracts.messaging.Topics;
import dev.kiln.contracts.runs.RunEventV1;
import dev.kiln.contracts.runs.TrainRequestV1;
import dev.kiln.infra.kafka.KafkaTestResource;
import dev.kiln.infra.postgres.PostgresTestResource;
import dev.kiln.infra.s3.S3TestResource;
import dev.kiln.messaging.OutboxRelay;
import dev.kiln.store.outbox.OutboxRepository;
import io.cloudevents.CloudEvent;
import io.cloudevents.SpecVersion;
import io.cloudevents.kafka.CloudEventDeserializer;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/**
 * Kiln's events read by a consumer that knows nothing of Kiln's contracts but CloudEvents: the CloudEvents Java
 * SDK's Kafka binding (binary content mode) on the real broker. The body it hands over is the contract's JSON.
 */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(PostgresTestResource.class)
@QuarkusTestResource(S3TestResource.class)
class CloudEventsTest {

    private static final Duration KAFKA_WAIT = Duration.ofSeconds(60);

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @Inject
    OutboxRepository outbox;

    @Inject
    OutboxRelay relay;

    @Test
    void anAcceptedRunIsAnnouncedAsCloudEvents() {
        Instant before = Instant.now().minusSeconds(1);
        Map<TopicPartition, Long> requestsFrom = endOffsets(Topics.TRAIN_REQUESTS);
        Map<TopicPartition, Long> runEventsFrom = endOffsets(Topics.RUN_EVENTS);
        String runId = submitRun();

        CloudEvent request = awaitEvents(requestsFrom, runId, 1).get(0);
        assertThat(request.getSpecVersion()).isEqualTo(SpecVersion.V1);
        assertThat(request.getType()).isEqualTo("dev.kiln.run.requested.v1");
        assertThat(request.getSource()).isEqualTo(URI.create("/kiln"));
        assertThat(request.getSubject()).isEqualTo(runId);
        assertThat(UUID.fromString(request.getId())).as("ce_id is a UUID").isNotNull();
        assertThat(request.getDataContentType()).isEqualTo("application/json");
        assertThat(request.getTime()).isNotNull();
        assertThat(request.getTime().toInstant()).isAfter(before).isBefore(Instant.now().plusSeconds(1));
        TrainRequestV1 body = Json.read(new String(request.getData().toBytes(), StandardCharsets.UTF_8),
                TrainRequestV1.class);
        assertThat(body.runId()).hasToString(runId);

        CloudEvent queued = awaitEvents(runEventsFrom, runId, 1).get(0);
        assertThat(queued.getType()).isEqualTo("dev.kiln.run.queued.v1");
        assertThat(queued.getSubject()).isEqualTo(runId);
        assertThat(queued.getId()).as("every event has its own id").isNotEqualTo(request.getId());
        assertThat(Json.read(new String(queued.getData().toBytes(), StandardCharsets.UTF_8), RunEventV1.class)
                .runId()).hasToString(runId);
    }

    @Test
    void aMessageSentAgainKeepsItsIdSoConsumersCanDropTheCopy() {
        Map<TopicPartition, Long> requestsFrom = endOffsets(Topics.TRAIN_REQUESTS);
        String runId = submitRun();
        CloudEvent first = awaitEvents(requestsFrom, runId, 1).get(0);

        // As if marking the row published had failed after Kafka took it: the relay sends it again.
        QuarkusTransaction.requiringNew().run(() -> outbox.update(
                "publishedAt = null where topic = ?1 and messageKey = ?2", Topics.TRAIN_REQUESTS, runId));
        relay.publishPending();

        List<CloudEvent> copies = awaitEvents(requestsFrom, runId, 2);
        assertThat(copies).extracting(CloudEvent::getId).containsOnly(first.getId());
        assertThat(copies).extracting(CloudEvent::getTime).map(OffsetDateTime::toInstant)
                .containsOnly(first.getTime().toInstant());
        Map<String, Long> distinct = copies.stream()
                .collect(Collectors.groupingBy(CloudEvent::getId, Collectors.counting()));
        assertThat(distinct).as("de-duplicated by ce_id: one event").hasSize(1);
    }

    private static String submitRun() {
        return given().contentType(ContentType.JSON)
                .body("{\"spec\": {\"dataset\": \"mnist-sample\", \"model\": \"mlp\", \"epochs\": 1}}")
                .post("/api/v1/runs").then().statusCode(202).extract().path("id");
    }

    /**
     * Where {@code topic} ends now. The broker is shared with other test classes, some of which publish raw
     * records (as an older or foreign producer would); this test reads only what was published after it began.
     */
    private Map<TopicPartition, Long> endOffsets(String topic) {
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(
                Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap),
                new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, KAFKA_WAIT).stream()
                    .map(info -> new TopicPartition(topic, info.partition())).toList();
            return consumer.endOffsets(partitions, KAFKA_WAIT);
        }
    }

    /** Reads from {@code from} as a CloudEvents consumer until {@code count} events about the subject came. */
    private List<CloudEvent> awaitEvents(Map<TopicPartition, Long> from, String subject, int count) {
        List<CloudEvent> found = new ArrayList<>();
        try (KafkaConsumer<String, CloudEvent> consumer = new KafkaConsumer<>(
                Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap),
                new StringDeserializer(), new CloudEventDeserializer())) {
            consumer.assign(from.keySet());
            from.forEach(consumer::seek);
            Instant deadline = Instant.now().plus(KAFKA_WAIT);
            while (found.size() < count && Instant.now().isBefore(deadline)) {
                for (ConsumerRecord<String, CloudEvent> record : consumer.poll(Duration.ofMillis(200))) {
                    if (subject.equals(record.value().getSubject())) {
                        found.add(record.value());
                    }
                }
            }
        }
        assertThat(found).as("%d CloudEvents about %s", count, subject).hasSize(count);
        return found;
    }
}
