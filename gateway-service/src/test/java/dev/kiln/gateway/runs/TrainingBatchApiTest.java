package dev.kiln.gateway.runs;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

import dev.kiln.gateway.StoredRuns;
import dev.kiln.infra.kafka.KafkaTestResource;
import dev.kiln.infra.postgres.PostgresTestResource;
import dev.kiln.infra.s3.S3TestResource;
import dev.kiln.store.progress.BatchSampleRepository;
import dev.kiln.store.progress.CheckpointRepository;
import dev.kiln.store.runs.RunRepository;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** A run's sampled training batch through the API, recorded in a real PostgreSQL as a trainer records it. */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(PostgresTestResource.class)
@QuarkusTestResource(S3TestResource.class)
class TrainingBatchApiTest {

    @Inject
    RunRepository runs;

    @Inject
    CheckpointRepository checkpoints;

    @Inject
    BatchSampleRepository samples;

    @Test
    void anAugmentedRunsBatchIsListedAndEachImageServedAsPng() throws Exception {
        UUID runId = StoredRuns.succeeded(runs, checkpoints, null, 0.9, 0.1);
        List<BatchSampleRepository.Image> recorded = StoredRuns.withTrainingBatch(samples, runId, 16, true);
        String base = "/api/v1/runs/" + runId + "/training-batch";

        JsonPath batch = given().get(base).then().statusCode(200).contentType("application/json").extract().jsonPath();

        assertThat(batch.getBoolean("augmented")).isTrue();
        assertThat(batch.getList("images")).hasSize(16);
        for (BatchSampleRepository.Image image : recorded) {
            String at = "images[" + image.position() + "].";
            assertThat(batch.getInt(at + "position")).isEqualTo(image.position());
            assertThat(batch.getInt(at + "trainIndex")).isEqualTo(image.trainIndex());
            assertThat(batch.getString(at + "label")).isEqualTo(image.label());
            assertThat(batch.getString(at + "original")).isEqualTo(base + "/" + image.position() + "/original.png");
            assertThat(batch.getString(at + "augmented")).isEqualTo(base + "/" + image.position() + "/augmented.png");
            byte[] original = given().get(batch.getString(at + "original")).then().statusCode(200)
                    .contentType("image/png").extract().asByteArray();
            byte[] augmented = given().get(batch.getString(at + "augmented")).then().statusCode(200)
                    .contentType("image/png").extract().asByteArray();
            assertThat(original).isEqualTo(image.originalPng());
            assertThat(augmented).isEqualTo(image.augmentedPng().orElseThrow()).isNotEqualTo(original);
        }
        given().get(base + "/16/original.png").then().statusCode(404).contentType(containsString("problem+json"))
                .body("detail", containsString("no image at position 16; its positions are 0 to 15"));
        given().get(base + "/0/thumbnail.png").then().statusCode(400)
                .body("violations[0].field", is("variant"));
        given().get(base + "/first/original.png").then().statusCode(400)
                .body("violations[0].field", is("position"));
    }

    @Test
    void withoutAugmentationOnlyOriginalsAreServed() throws Exception {
        UUID runId = StoredRuns.succeeded(runs, checkpoints, null, 0.9, 0.1);
        List<BatchSampleRepository.Image> recorded = StoredRuns.withTrainingBatch(samples, runId, 8, false);
        String base = "/api/v1/runs/" + runId + "/training-batch";

        given().get(base).then().statusCode(200)
                .body("augmented", is(false))
                .body("images.size()", is(8))
                .body("images[7]", not(hasKey("augmented")));
        byte[] original = given().get(base + "/7/original.png").then().statusCode(200).contentType("image/png")
                .extract().asByteArray();
        assertThat(original).isEqualTo(recorded.get(7).originalPng());
        given().get(base + "/7/augmented.png").then().statusCode(404)
                .body("detail", containsString("does not augment"));
    }

    @Test
    void aRunWithoutASampleYetAndAnUnknownRunAre404s() {
        UUID runId = StoredRuns.succeeded(runs, checkpoints, null, 0.9, 0.1);

        given().get("/api/v1/runs/" + runId + "/training-batch").then().statusCode(404)
                .contentType(containsString("problem+json"))
                .body("detail", containsString("no training batch recorded"));
        given().get("/api/v1/runs/" + runId + "/training-batch/0/original.png").then().statusCode(404)
                .body("detail", containsString("no training batch recorded"));
        given().get("/api/v1/runs/" + UUID.randomUUID() + "/training-batch").then().statusCode(404)
                .body("detail", containsString("No run with id"));
    }
}
