package dev.kiln.gateway.predictions;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;

import dev.kiln.artifacts.ArtifactStore;
import dev.kiln.contracts.predictions.PredictionLoggedV1;
import dev.kiln.contracts.predictions.RankedClass;
import dev.kiln.gateway.StoredRuns;
import dev.kiln.infra.kafka.KafkaTestResource;
import dev.kiln.infra.postgres.PostgresTestResource;
import dev.kiln.infra.s3.S3TestResource;
import dev.kiln.store.evaluation.MisclassifiedRepository;
import dev.kiln.store.predictions.PredictionLogRepository;
import dev.kiln.store.progress.CheckpointRepository;
import dev.kiln.store.runs.RunRepository;
import dev.kiln.vision.datasets.ImageSet;
import dev.kiln.vision.serving.PngImages;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.Test;

/**
 * Feedback on the prediction log: predictions logged as the inference service logs them (real held-out digits of
 * the MNIST sample), labelled over the API, and exported as a data set version whose archive holds exactly the
 * labelled images under their labels.
 */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(PostgresTestResource.class)
@QuarkusTestResource(S3TestResource.class)
class PredictionFeedbackTest {

    @Inject
    RunRepository runs;

    @Inject
    CheckpointRepository checkpoints;

    @Inject
    MisclassifiedRepository misclassified;

    @Inject
    PredictionLogRepository log;

    @Inject
    ArtifactStore artifacts;

    @Inject
    PredictionLogRetention retention;

    @Test
    void labelledPredictionsBecomeADataSetVersionOfTheirImages() throws IOException {
        String model = "fed-" + UUID.randomUUID().toString().substring(0, 8);
        UUID run = StoredRuns.succeededWithMistakes(runs, checkpoints, misclassified, List.of());
        given().contentType(ContentType.JSON).body("{\"runId\": \"" + run + "\"}")
                .post("/api/v1/models/" + model + "/promote").then().statusCode(200);
        ImageSet test = StoredRuns.mnistSampleTest();
        // Held-out digits of three classes, and one more.
        int[] images = {firstOf(test, 0), firstOf(test, 1), firstOf(test, 2), firstOf(test, 3)};
        UUID[] logged = new UUID[images.length];
        for (int i = 0; i < logged.length; i++) {
            logged[i] = logged(model, PngImages.encode(test, images[i]));
        }

        given().get("/api/v1/predictions/" + logged[0]).then().statusCode(200).body("model", is(model))
                .body("version", is(1)).body("top[0].label", is("7")).body("$", not(hasKey("feedbackLabel")));
        given().get("/api/v1/predictions/" + logged[0] + "/image").then().statusCode(200).contentType("image/png");
        for (int i = 0; i < 3; i++) {
            String truth = test.classes().get(test.labels()[images[i]]);
            given().contentType(ContentType.JSON).body("{\"label\": \"" + truth + "\"}")
                    .post("/api/v1/predictions/" + logged[i] + "/feedback").then().statusCode(200)
                    .body("feedbackLabel", is(truth)).body("feedbackBy", notNullValue());
        }
        given().contentType(ContentType.JSON).body("{\"label\": \"eleven\"}")
                .post("/api/v1/predictions/" + logged[3] + "/feedback").then().statusCode(400)
                .body("violations[0].field", is("label")).body("violations[0].message", containsString("one of"));
        given().contentType(ContentType.JSON).body("{\"label\": \"7\"}")
                .post("/api/v1/predictions/" + UUID.randomUUID() + "/feedback").then().statusCode(404);

        String dataset = model + "-data";
        int version = given().contentType(ContentType.JSON).body("{\"dataset\": \"" + dataset + "\"}")
                .post("/api/v1/models/" + model + "/feedback/export").then().statusCode(201)
                .body("status", is("VALIDATING")).extract().path("version");
        String archive = given().get("/api/v1/datasets/" + dataset + "/versions/" + version).then().statusCode(200)
                .extract().path("archiveSha256");
        Map<String, byte[]> entries = unzip(artifacts.read(archive));
        Map<String, byte[]> expected = new TreeMap<>();
        for (int i = 0; i < 3; i++) {
            expected.put("train/" + test.classes().get(test.labels()[images[i]]) + "/" + logged[i] + ".png",
                    PngImages.encode(test, images[i]));
        }
        assertThat(entries.keySet()).containsExactlyElementsOf(expected.keySet());
        expected.forEach((name, png) -> assertThat(entries.get(name)).as(name).isEqualTo(png));

        // The same labelled predictions again: the same version.
        given().contentType(ContentType.JSON).body("{\"dataset\": \"" + dataset + "\"}")
                .post("/api/v1/models/" + model + "/feedback/export").then().statusCode(200)
                .body("version", is(version));
        given().contentType(ContentType.JSON).body("{}").post("/api/v1/models/" + model + "/feedback/export").then()
                .statusCode(400).body("violations.field", hasItem("dataset"));
        given().contentType(ContentType.JSON).body("{\"dataset\": \"bad name\"}")
                .post("/api/v1/models/" + model + "/feedback/export").then().statusCode(400)
                .body("violations.field", contains("dataset"));
        // A name another project (or a built-in data set) has: a conflict, not "create it first".
        given().contentType(ContentType.JSON).body("{\"dataset\": \"cifar10\"}")
                .post("/api/v1/models/" + model + "/feedback/export").then().statusCode(409)
                .body("detail", containsString("built-in"));
    }

    @Test
    void retentionDeletesOldUnlabelledPredictionsAndKeepsTheLabelledOnes() {
        String model = "kept-" + UUID.randomUUID().toString().substring(0, 8);
        byte[] png = PngImages.encode(StoredRuns.mnistSampleTest(), 0);
        Instant old = Instant.now().minus(Duration.ofDays(40));
        UUID forgotten = logged(model, png, old);
        UUID labelled = logged(model, png, old);
        UUID recent = logged(model, png, Instant.now());
        given().contentType(ContentType.JSON).body("{\"label\": \"7\"}")
                .post("/api/v1/predictions/" + labelled + "/feedback").then().statusCode(200);

        assertThat(retention.purge(Instant.now().minus(Duration.ofDays(30)))).isGreaterThanOrEqualTo(1);
        given().get("/api/v1/predictions/" + forgotten).then().statusCode(404);
        given().get("/api/v1/predictions/" + labelled).then().statusCode(200).body("feedbackLabel", is("7"));
        given().get("/api/v1/predictions/" + recent).then().statusCode(200);
    }

    /** A prediction as an inference replica logs it: the image as sent and its answer, the digit 7 first. */
    private UUID logged(String model, byte[] png) {
        return logged(model, png, Instant.now());
    }

    private UUID logged(String model, byte[] png, Instant at) {
        PredictionLoggedV1 prediction = new PredictionLoggedV1(PredictionLoggedV1.SCHEMA, UUID.randomUUID(), "default",
                model, 1, "champion", "inference-test@host", ArtifactStore.sha256(png),
                List.of(new RankedClass("7", 7, 0.8), new RankedClass("1", 1, 0.1)), 2.5,
                at.truncatedTo(ChronoUnit.MICROS));
        QuarkusTransaction.requiringNew().run(() -> log.record(prediction, png));
        return prediction.predictionId();
    }

    private static int firstOf(ImageSet set, int label) {
        for (int i = 0; i < set.size(); i++) {
            if (set.labels()[i] == label) {
                return i;
            }
        }
        throw new IllegalArgumentException("no image of class " + label);
    }

    private static Map<String, byte[]> unzip(byte[] zip) throws IOException {
        Map<String, byte[]> entries = new TreeMap<>();
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
            for (ZipEntry entry = in.getNextEntry(); entry != null; entry = in.getNextEntry()) {
                entries.put(entry.getName(), in.readAllBytes());
            }
        }
        return entries;
    }
}
