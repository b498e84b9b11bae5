package dev.kiln.gateway;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;

import dev.kiln.contracts.messaging.Json;
import dev.kiln.contracts.runs.MisclassifiedExample;
import dev.kiln.infra.kafka.KafkaTestResource;
import dev.kiln.infra.postgres.PostgresTestResource;
import dev.kiln.infra.s3.S3TestResource;
import dev.kiln.store.evaluation.MisclassifiedRepository;
import dev.kiln.store.progress.CheckpointRepository;
import dev.kiln.store.runs.RunRepository;
import dev.kiln.vision.datasets.ImageSet;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.util.List;
import java.util.UUID;
import java.util.stream.IntStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/**
 * A succeeded run's misclassified test images over the API: the list ({@code GET /api/v1/runs/{id}/misclassified})
 * and each image ({@code GET /api/v1/runs/{id}/test-images/{index}}), from rows stored as a trainer worker stores
 * them, with the real held-out digits of the MNIST sample.
 */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(PostgresTestResource.class)
@QuarkusTestResource(S3TestResource.class)
class MisclassifiedImagesApiTest {

    @Inject
    RunRepository runs;

    @Inject
    CheckpointRepository checkpoints;

    @Inject
    MisclassifiedRepository misclassified;

    @Test
    void aRunsMistakesAreListedByTrueClassMostConfidentFirstEachWithItsImage() throws Exception {
        ImageSet test = StoredRuns.mnistSampleTest();
        int[] sevens = IntStream.range(0, test.size()).filter(i -> test.labels()[i] == 7).limit(3).toArray();
        int two = IntStream.range(0, test.size()).filter(i -> test.labels()[i] == 2).findFirst().orElseThrow();
        // Stored in no particular order: the sevens least sure first, the two last.
        UUID runId = StoredRuns.succeededWithMistakes(runs, checkpoints, misclassified, List.of(
                new StoredRuns.Mistake(sevens[0], 1, 0.55f), new StoredRuns.Mistake(sevens[1], 9, 0.9f),
                new StoredRuns.Mistake(sevens[2], 1, 0.7f), new StoredRuns.Mistake(two, 3, 0.6f)));

        String body = given().get("/api/v1/runs/" + runId + "/misclassified").then().statusCode(200)
                .contentType(containsString("application/json")).extract().asString();
        List<MisclassifiedExample> examples = List.of(Json.read(body, MisclassifiedExample[].class));

        assertThat(examples).extracting(MisclassifiedExample::index)
                .containsExactly(two, sevens[1], sevens[2], sevens[0]);
        assertThat(examples).extracting(MisclassifiedExample::truth).containsExactly("2", "7", "7", "7");
        assertThat(examples).extracting(MisclassifiedExample::prediction).containsExactly("3", "9", "1", "1");
        assertThat(examples).extracting(MisclassifiedExample::probability).containsExactly(0.6, 0.9, 0.7, 0.55);
        for (MisclassifiedExample example : examples) {
            assertThat(example.probabilities()).hasSize(10);
            assertThat(example.probabilities().get(Integer.parseInt(example.prediction())))
                    .isEqualTo(example.probability());
            assertThat(example.probabilities().stream().mapToDouble(Double::doubleValue).sum()).isCloseTo(1.0,
                    within(1e-5));
            assertThat(example.image()).isEqualTo("/api/v1/runs/" + runId + "/test-images/" + example.index());

            Response image = given().get(example.image());
            assertThat(image.statusCode()).isEqualTo(200);
            assertThat(image.contentType()).isEqualTo("image/png");
            BufferedImage png = ImageIO.read(new ByteArrayInputStream(image.asByteArray()));
            assertThat(png.getWidth()).isEqualTo(28);
            assertThat(png.getHeight()).isEqualTo(28);
            for (int y = 0; y < 28; y++) {
                for (int x = 0; x < 28; x++) {
                    assertThat(png.getRaster().getSample(x, y, 0)).as("image %d at %d,%d", example.index(), x, y)
                            .isEqualTo(Byte.toUnsignedInt(test.pixels()[example.index() * 784 + y * 28 + x]));
                }
            }
        }
        assertThat(body).as("the documented form").contains("\"index\":" + two + ",\"truth\":\"2\",\"prediction\":\"3\","
                + "\"probability\":0.6,\"probabilities\":[");
    }

    @Test
    void anImageTheRunDidNotRecordIsNotFoundNamingItsIndex() {
        ImageSet test = StoredRuns.mnistSampleTest();
        int three = IntStream.range(0, test.size()).filter(i -> test.labels()[i] == 3).findFirst().orElseThrow();
        UUID runId = StoredRuns.succeededWithMistakes(runs, checkpoints, misclassified,
                List.of(new StoredRuns.Mistake(three, 8, 0.8f)));
        int unrecorded = three == 0 ? 1 : 0;

        given().get("/api/v1/runs/" + runId + "/test-images/" + three).then().statusCode(200);
        given().get("/api/v1/runs/" + runId + "/test-images/" + unrecorded).then().statusCode(404)
                .contentType(containsString("application/problem+json"))
                .body("detail", containsString("no test image at index " + unrecorded));
        given().get("/api/v1/runs/" + runId + "/test-images/seven").then().statusCode(400)
                .body("violations[0].field", is("index"));
        given().get("/api/v1/runs/" + runId + "/test-images/-1").then().statusCode(400);
        given().get("/api/v1/runs/" + UUID.randomUUID() + "/test-images/" + three).then().statusCode(404)
                .body("detail", containsString("No run with id"));
        given().get("/api/v1/runs/" + UUID.randomUUID() + "/misclassified").then().statusCode(404);
    }

    @Test
    void aRunWithoutRecordedMistakesListsNoneAndLinksTheList() {
        UUID runId = StoredRuns.succeeded(runs, checkpoints, null, 0.9, 0.3);

        given().get("/api/v1/runs/" + runId + "/misclassified").then().statusCode(200).body("size()", is(0));
        given().get("/api/v1/runs/" + runId).then().statusCode(200)
                .body("links.misclassified", is("/api/v1/runs/" + runId + "/misclassified"));
    }
}
