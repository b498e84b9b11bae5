package dev.kiln.gateway.events;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.startsWith;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.access.testing.TestTokens;
import dev.kiln.contracts.messaging.Json;
import dev.kiln.contracts.messaging.Topics;
import dev.kiln.contracts.runs.EpochMetrics;
import dev.kiln.contracts.runs.RunEventType;
import dev.kiln.contracts.runs.RunEventV1;
import dev.kiln.contracts.runs.RunStatus;
import dev.kiln.contracts.runs.TrainingSpec;
import dev.kiln.infra.kafka.KafkaTestResource;
import dev.kiln.infra.postgres.PostgresTestResource;
import dev.kiln.infra.s3.S3TestResource;
import dev.kiln.store.progress.EpochRepository;
import dev.kiln.store.runs.RunRepository;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code GET /api/v1/runs/{id}/events} against a real PostgreSQL and a real Kafka broker. */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(PostgresTestResource.class)
@QuarkusTestResource(S3TestResource.class)
class RunEventsStreamTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String WORKER = "trainer-test@host";
    private static final Pattern WATCHERS = Pattern.compile("^kiln_events_watchers(?:\\{[^}]*})? (\\S+)$",
            Pattern.MULTILINE);

    @TestHTTPResource("/api/v1/runs/")
    URI runsUri;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @Inject
    RunRepository runs;

    @Inject
    EpochRepository epochs;

    /**
     * The gateway consumes run events from the latest offset, so an event produced before its consumer holds
     * resolved positions would never reach it. Readiness says exactly when it does (RunEventsReadiness).
     */
    @BeforeEach
    void gatewayFollowsRunEvents() {
        await().atMost(WAIT).until(() -> given().get("/q/health/ready").statusCode() == 200);
    }

    @Test
    void replaysTheStoreThenStreamsLiveEventsUntilTheRunEnds() throws Exception {
        UUID runId = UUID.randomUUID();
        Instant now = now();
        QuarkusTransaction.requiringNew().run(() -> {
            runs.createQueued(runId, spec(), now);
            epochs.record(runId, 1, Json.write(metrics(1)), now);
        });

        try (SseStream stream = SseStream.open(runsUri.resolve(runId + "/events"));
                KafkaProducer<String, String> producer = producer()) {
            SseEvent run = stream.next();
            assertThat(run.name()).isEqualTo("run");
            assertThat(run.json().path("id").asText()).isEqualTo(runId.toString());
            assertThat(run.json().path("status").asText()).isEqualTo("QUEUED");
            SseEvent stored = stream.next();
            assertThat(stored.name()).isEqualTo("epoch");
            assertThat(stored.json().path("epoch").asInt()).isEqualTo(1);
            assertThat(stored.json().path("metrics").path("trainLoss").asDouble()).isEqualTo(metrics(1).trainLoss());
            // A quiet stream gets keep-alive comments (every second in tests).
            await().atMost(WAIT).until(() -> stream.comments() > 0);

            // The gateway watches the run before it reads the store: everything produced from here on is live.
            UUID otherRun = UUID.randomUUID();
            send(producer, epoch(runId, 1));
            producer.send(new ProducerRecord<>(Topics.RUN_EVENTS, runId.toString(), "not a run event")).get();
            send(producer, epoch(otherRun, 1));
            send(producer, epoch(runId, 2));
            send(producer, new RunEventV1(RunEventV1.SCHEMA, runId, RunEventType.COMPLETED, WORKER, now(), 2, null,
                    null, null, null));

            SseEvent second = stream.next();
            assertThat(second.name()).as("epoch 1 is not repeated, the malformed record and the other run's event "
                    + "are skipped").isEqualTo("epoch");
            assertThat(second.json().path("epoch").asInt()).isEqualTo(2);
            assertThat(second.json().path("runId").asText()).isEqualTo(runId.toString());
            assertThat(second.json().path("worker").asText()).isEqualTo(WORKER);
            SseEvent completed = stream.next();
            assertThat(completed.name()).isEqualTo("completed");
            assertThat(completed.json().path("epoch").asInt()).isEqualTo(2);
            stream.assertEnded();
        }
    }

    @Test
    void finishedRunIsReplayedAndTheStreamEndsAtOnce() throws Exception {
        UUID runId = UUID.randomUUID();
        Instant now = now();
        QuarkusTransaction.requiringNew().run(() -> {
            runs.createQueued(runId, spec(), now);
            runs.claim(runId, WORKER, now);
            runs.start(runId, WORKER, "cpu", now);
            epochs.record(runId, 1, Json.write(metrics(1)), now);
            runs.epochFinished(runId, WORKER, 1, 1, now);
            runs.finish(runId, WORKER, RunStatus.FAILED, null, "diverged", now);
        });

        try (SseStream stream = SseStream.open(runsUri.resolve(runId + "/events"))) {
            SseEvent run = stream.next();
            assertThat(run.name()).isEqualTo("run");
            assertThat(run.json().path("status").asText()).isEqualTo("FAILED");
            assertThat(run.json().path("failureReason").asText()).isEqualTo("diverged");
            assertThat(stream.next().name()).isEqualTo("epoch");
            stream.assertEnded();
        }
    }

    @Test
    void oneCallerHoldsAtMostItsStreamsAndGetsASlotBackWhenOneCloses() throws Exception {
        UUID runId = UUID.randomUUID();
        QuarkusTransaction.requiringNew().run(() -> runs.createQueued(runId, spec(), now()));
        URI events = runsUri.resolve(runId + "/events");
        String caller = TestTokens.adminBearer();
        List<SseStream> held = new ArrayList<>();
        try {
            // kiln.events.max-streams-per-client is 4 in tests: a queued run's streams stay open.
            for (int i = 0; i < 4; i++) {
                held.add(SseStream.open(events, caller));
                assertThat(held.get(i).next().name()).isEqualTo("run");
            }
            HttpResponse<String> refused = HttpClient.newHttpClient().send(HttpRequest.newBuilder(events)
                    .header("Authorization", caller).header("Accept", "text/event-stream").build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(refused.statusCode()).isEqualTo(429);
            assertThat(refused.headers().firstValue("Retry-After")).hasValue("5");
            assertThat(refused.body()).contains("kiln.events.max-streams-per-client");
            // The cap is the caller's, not the address's: another token from the same address gets its stream.
            held.add(SseStream.open(events, TestTokens.adminBearer()));

            held.remove(0).close();
            // The server notices the client left at its next keep-alive, and frees the slot.
            await().atMost(WAIT).until(() -> {
                HttpResponse<java.io.InputStream> again = HttpClient.newHttpClient().send(HttpRequest.newBuilder(events)
                        .header("Authorization", caller).header("Accept", "text/event-stream")
                        .build(), HttpResponse.BodyHandlers.ofInputStream());
                again.body().close();
                return again.statusCode() == 200;
            });
        } finally {
            held.forEach(SseStream::close);
        }
    }

    /** Whichever way a stream ends (the run ends, the client leaves, an error), its watch is closed. */
    @AfterEach
    void noWatchIsLeftOpen() {
        await().atMost(WAIT).until(() -> watchers() == 0);
    }

    @Test
    void clientLeavingClosesItsWatch() throws Exception {
        UUID runId = UUID.randomUUID();
        QuarkusTransaction.requiringNew().run(() -> runs.createQueued(runId, spec(), now()));

        try (SseStream stream = SseStream.open(runsUri.resolve(runId + "/events"))) {
            assertThat(stream.next().name()).isEqualTo("run");
            assertThat(watchers()).isEqualTo(1);
        }
    }

    @Test
    void unknownRunIsA404AndMalformedIdA400() {
        given().accept("text/event-stream").get("/api/v1/runs/" + UUID.randomUUID() + "/events")
                .then().statusCode(404)
                .contentType(startsWith("application/problem+json"))
                .body("detail", startsWith("No run with id"));
        given().accept("text/event-stream").get("/api/v1/runs/not-a-uuid/events")
                .then().statusCode(400)
                .contentType(startsWith("application/problem+json"))
                .body("violations[0].field", is("id"));
    }

    /** The gauge of open watches, as Prometheus scrapes it. */
    private static double watchers() {
        Matcher gauge = WATCHERS.matcher(given().get("/q/metrics").then().statusCode(200).extract().asString());
        assertThat(gauge.find()).as("kiln_events_watchers in /q/metrics").isTrue();
        return Double.parseDouble(gauge.group(1));
    }

    private KafkaProducer<String, String> producer() {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new StringSerializer());
    }

    /** As the trainer publishes: keyed by run id, so one run's events stay in order. */
    private static void send(KafkaProducer<String, String> producer, RunEventV1 event) throws Exception {
        producer.send(new ProducerRecord<>(Topics.RUN_EVENTS, event.runId().toString(), Json.write(event)))
                .get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    private static RunEventV1 epoch(UUID runId, int epoch) {
        return new RunEventV1(RunEventV1.SCHEMA, runId, RunEventType.EPOCH, WORKER, now(), epoch, metrics(epoch),
                null, null, null);
    }

    private static EpochMetrics metrics(int epoch) {
        return new EpochMetrics(epoch, 1.0 / epoch, 0.5 + epoch / 10.0, null, null, 0.01, 1000, 40_000, 2.0);
    }

    private static TrainingSpec spec() {
        return TrainingSpec.of("mnist-sample", "mlp", 2, 64, "sgd", 0.1, 1L).withDefaults();
    }

    private static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MICROS);
    }

    /** One server-sent event: its name and its data. */
    record SseEvent(String name, String data) {

        JsonNode json() throws IOException {
            return MAPPER.readTree(data);
        }
    }

    /**
     * An SSE response read line by line on a background thread, as a browser's EventSource would: events
     * queue up as they arrive, comments are counted, the end of the response is marked.
     */
    static final class SseStream implements AutoCloseable {

        private static final SseEvent END = new SseEvent(null, null);

        private final BlockingQueue<SseEvent> events = new LinkedBlockingQueue<>();
        private final AtomicInteger comments = new AtomicInteger();
        private final Stream<String> lines;

        private SseStream(Stream<String> lines) {
            this.lines = lines;
            Thread reader = new Thread(this::read, "sse-reader");
            reader.setDaemon(true);
            reader.start();
        }

        static SseStream open(URI uri) throws Exception {
            return open(uri, TestTokens.adminBearer());
        }

        /** @param bearer the caller's {@code Authorization} value */
        static SseStream open(URI uri, String bearer) throws Exception {
            HttpResponse<Stream<String>> response = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(uri).header("Authorization", bearer)
                            .header("Accept", "text/event-stream").build(),
                    HttpResponse.BodyHandlers.ofLines());
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                    type -> assertThat(type).startsWith("text/event-stream"));
            return new SseStream(response.body());
        }

        private void read() {
            String name = null;
            List<String> data = new ArrayList<>();
            try {
                for (String line : (Iterable<String>) lines::iterator) {
                    if (line.isEmpty()) {
                        if (!data.isEmpty()) {
                            events.add(new SseEvent(name, String.join("\n", data)));
                        }
                        name = null;
                        data.clear();
                    } else if (line.startsWith(":")) {
                        comments.incrementAndGet();
                    } else if (line.startsWith("event:")) {
                        name = line.substring("event:".length()).strip();
                    } else if (line.startsWith("data:")) {
                        data.add(line.substring("data:".length()).strip());
                    }
                }
            } catch (RuntimeException closed) {
                // close() while reading
            } finally {
                events.add(END);
            }
        }

        SseEvent next() throws InterruptedException {
            SseEvent event = events.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertThat(event).as("an event within %s", WAIT).isNotNull().isNotSameAs(END);
            return event;
        }

        int comments() {
            return comments.get();
        }

        void assertEnded() throws InterruptedException {
            assertThat(events.poll(WAIT.toSeconds(), TimeUnit.SECONDS)).as("the end of the stream").isSameAs(END);
        }

        @Override
        public void close() {
            lines.close();
        }
    }
}
