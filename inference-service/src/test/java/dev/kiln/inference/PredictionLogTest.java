package dev.kiln.inference;

import static dev.kiln.infra.kafka.TopicReader.header;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;

import dev.kiln.artifacts.ArtifactStore;
import dev.kiln.contracts.messaging.Json;
import dev.kiln.contracts.messaging.Topics;
import dev.kiln.contracts.predictions.PredictionLoggedV1;
import dev.kiln.contracts.predictions.RankedClass;
import dev.kiln.infra.kafka.KafkaTestResource;
import dev.kiln.infra.kafka.TopicReader;
import dev.kiln.infra.postgres.PostgresTestResource;
import dev.kiln.infra.s3.S3TestResource;
import dev.kiln.store.predictions.PredictionLogRepository;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The prediction log, every image sampled (%test): each answered image is stored with its answer and the image as
 * sent, announced on {@code kiln.predictions.v1} as a CloudEvent about the prediction, and named in the answer.
 */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(PostgresTestResource.class)
@QuarkusTestResource(S3TestResource.class)
class PredictionLogTest extends ServingTestSupport {

    private static final String MODEL = "digits-logged";
    private static final Duration WAIT = Duration.ofSeconds(30);

    @Inject
    PredictionLogRepository log;

    @BeforeEach
    void serveAModel() {
        serveOnce(MODEL);
    }

    @Test
    void everyAnsweredImageIsLoggedWithItsImageAndAnnouncedAboutItself() {
        byte[][] images = {testPng(3), testPng(4)};
        JsonPath answer = given().multiPart("image", "a.png", images[0], "image/png")
                .multiPart("image", "b.png", images[1], "image/png").queryParam("topK", 2)
                .post("/api/v1/models/" + MODEL + "/predict").then().statusCode(200).extract().jsonPath();

        for (int i = 0; i < images.length; i++) {
            UUID id = UUID.fromString(answer.getString("predictions[" + i + "].predictionId"));
            byte[] sent = images[i];
            byte[] stored = await().atMost(WAIT).until(
                    () -> QuarkusTransaction.requiringNew().call(() -> log.image(id)), image -> image != null);
            assertThat(stored).isEqualTo(sent);

            ConsumerRecord<String, String> record = TopicReader.await(bootstrap, Topics.PREDICTIONS,
                    r -> id.toString().equals(header(r, "ce_subject")), WAIT);
            assertThat(record).as("the event of prediction %s", id).isNotNull();
            assertThat(record.key()).isEqualTo(MODEL);
            assertThat(header(record, "ce_type")).isEqualTo("dev.kiln.prediction.logged.v1");
            PredictionLoggedV1 logged = Json.read(record.value(), PredictionLoggedV1.class);
            assertThat(logged.model()).isEqualTo(MODEL);
            assertThat(logged.version()).isEqualTo(1);
            assertThat(logged.alias()).isEqualTo("champion");
            assertThat(logged.project()).isEqualTo("default");
            assertThat(logged.inputSha256()).isEqualTo(ArtifactStore.sha256(sent));
            assertThat(logged.latencyMs()).isPositive();
            List<Map<String, Object>> top = answer.getList("predictions[" + i + "].top");
            assertThat(logged.top()).extracting(RankedClass::label)
                    .containsExactlyElementsOf(top.stream().map(c -> (String) c.get("label")).toList());
            assertThat(logged.top().get(0).label()).isEqualTo(answer.getString("predictions[" + i + "].label"));
        }
    }

    @Test
    void everyImageOfALargeRequestIsLoggedOnce() {
        // 150 entries queued at once, from one request: every one stored, each under an id of its own.
        int count = 150;
        var request = given();
        for (int i = 0; i < count; i++) {
            request = request.multiPart("image", i + ".png", testPng(i), "image/png");
        }
        List<String> ids = request.post("/api/v1/models/" + MODEL + "/predict").then().statusCode(200).extract()
                .jsonPath().getList("predictions.predictionId");

        assertThat(ids).hasSize(count).doesNotContainNull().doesNotHaveDuplicates();
        List<byte[]> stored = await().atMost(WAIT).until(() -> QuarkusTransaction.requiringNew().call(
                () -> ids.stream().map(id -> log.image(UUID.fromString(id))).toList()),
                images -> images.stream().allMatch(Objects::nonNull));
        for (int i = 0; i < count; i++) {
            assertThat(stored.get(i)).as("the image of prediction %d", i).isEqualTo(testPng(i));
        }
    }

    @Test
    void aPinnedVersionsPredictionIsLoggedWithoutAnAlias() {
        String id = given().contentType("image/png").body(testPng(5))
                .post("/api/v1/models/" + MODEL + "/versions/1/predict").then().statusCode(200).extract()
                .path("predictions[0].predictionId");

        ConsumerRecord<String, String> record = TopicReader.await(bootstrap, Topics.PREDICTIONS,
                r -> id.equals(header(r, "ce_subject")), WAIT);
        assertThat(record).isNotNull();
        assertThat(Json.read(record.value(), PredictionLoggedV1.class).alias()).isNull();
        assertThat(record.value()).doesNotContain("alias");
        given().get("/q/metrics").then()
                .body(containsString("kiln_inference_prediction_log_total{outcome=\"logged\"}"));
    }
}
