package dev.kiln.gateway;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;

import dev.kiln.artifacts.ArtifactStore;
import dev.kiln.contracts.messaging.Json;
import dev.kiln.contracts.messaging.Topics;
import dev.kiln.contracts.models.ModelPromotedV1;
import dev.kiln.infra.kafka.KafkaTestResource;
import dev.kiln.infra.kafka.TopicReader;
import dev.kiln.infra.postgres.PostgresTestResource;
import dev.kiln.infra.s3.S3TestResource;
import dev.kiln.vision.checkpoints.Checkpoint;
import dev.kiln.vision.checkpoints.CheckpointManifest;
import dev.kiln.vision.imports.TorchScriptFixtures;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/**
 * {@code POST /api/v1/models/{name}/versions}: a TorchScript model made by PyTorch (vision-engine's fixture script)
 * becomes a version, pinned by digest in the artifact store, is promoted like any other and is the base of a
 * fine-tuning run; a file that is not TorchScript and a manifest that does not fit the model are 400s naming the
 * field, and keep nothing.
 */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(PostgresTestResource.class)
@QuarkusTestResource(S3TestResource.class)
class ModelImportApiTest {

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @Inject
    ArtifactStore artifacts;

    @Test
    void aTorchScriptModelBecomesAVersionThatIsPromotedLikeAnyOther() throws Exception {
        byte[] traced = TorchScriptFixtures.read("traced.pt");
        String manifest = manifest();

        String sha256 = importing("imported-digits", traced, manifest).then().statusCode(201)
                .header("Location", containsString("/api/v1/models/imported-digits/versions/1"))
                .body("version", is(1)).body("source", is("IMPORT")).body("runId", nullValue())
                .body("importSha256", is(Checkpoint.sha256(traced)))
                .extract().path("checkpointSha256");
        Checkpoint stored = Checkpoint.fromBytes(artifacts.read(sha256));
        assertThat(stored.manifest().model()).isEqualTo(CheckpointManifest.TORCHSCRIPT);
        assertThat(stored.manifest().classes()).hasSize(10);

        // The same file and an equal manifest, spelled otherwise: the version it already is.
        importing("imported-digits", traced, manifest.replace(" ", "")).then().statusCode(200).body("version", is(1));
        // The scripted twin is another file: the next version.
        importing("imported-digits", TorchScriptFixtures.read("scripted.pt"), manifest).then().statusCode(201)
                .body("version", is(2));

        given().get("/api/v1/models/imported-digits").then().statusCode(200)
                .body("versions.source", hasItem("IMPORT")).body("versions[0].testAccuracy", nullValue());
        given().get("/api/v1/models/imported-digits/versions/1").then().statusCode(200)
                .body("checkpointSha256", is(sha256));
        given().get("/api/v1/models/imported-digits/versions/9").then().statusCode(404);

        given().contentType(ContentType.JSON).body("{\"version\": 1}").post("/api/v1/models/imported-digits/promote")
                .then().statusCode(200).body("version", is(1)).body("runId", nullValue());
        ConsumerRecord<String, String> promoted = TopicReader.await(bootstrap, Topics.MODEL_PROMOTIONS,
                r -> "imported-digits/champion".equals(r.key()), Duration.ofSeconds(30));
        ModelPromotedV1 event = Json.read(promoted.value(), ModelPromotedV1.class);
        assertThat(event.runId()).isNull();
        assertThat(event.checkpointSha256()).isEqualTo(sha256);

        // A run starts from it: the module is its model, pinned with the layers the import found.
        given().contentType(ContentType.JSON).body(fineTuning("\"freeze\": [\"features\"]", "")).post("/api/v1/runs")
                .then().statusCode(202)
                .body("spec.model", is("torchscript"))
                .body("spec.normalization", nullValue())
                .body("spec.init.base.sha256", is(sha256))
                .body("spec.init.base.modelVersion", is("imported-digits@1"))
                .body("spec.init.base.summary.layers.name", hasItem("classifier.4"));
        refusedRun(fineTuning("\"freeze\": [\"conv*\"]", ""), "spec.init.freeze[0]", "features.0");
        refusedRun(fineTuning("", ", \"imageSize\": 32"), "spec.init", "takes 1x28x28 images");
        refusedRun(fineTuning("", ", \"normalization\": \"half\""), "spec.normalization", "manifest");
        refusedRun(fineTuning("\"replaceHead\": true", ""), "spec.init.replaceHead", "cannot be replaced");
    }

    private static String fineTuning(String init, String more) {
        return "{\"spec\": {\"dataset\": \"mnist-sample\", \"init\": {\"model\": \"imported-digits@1\""
                + (init.isEmpty() ? "" : ", " + init) + "}" + more + "}}";
    }

    private static void refusedRun(String body, String field, String message) {
        given().contentType(ContentType.JSON).body(body).post("/api/v1/runs").then().statusCode(400)
                .body("violations.field", hasItem(field))
                .body("violations.find { it.field == '" + field + "' }.message", containsString(message));
    }

    @Test
    void aFileThatIsNotTorchScriptOrAManifestThatDoesNotFitIsRefusedNamingTheProblem() throws Exception {
        byte[] traced = TorchScriptFixtures.read("traced.pt");
        String manifest = manifest();
        int blobs = artifacts.blobs().size();

        refused(importing("refused", "not a model".getBytes(StandardCharsets.UTF_8), manifest), "model",
                "not a TorchScript model");
        refused(importing("refused", traced, manifest.replace("\"9\"]", "\"9\", \"ten\"]")), "manifest.classes",
                "names 11 classes, but the model answers (1, 10)");
        refused(importing("refused", traced, manifest.replace("\"height\": 28", "\"height\": 20")), "manifest",
                "does not run on a 1x20x28 image");
        refused(importing("refused", traced, manifest.replace("\"channels\": 1", "\"channels\": 2")),
                "manifest.channels", "must be 1 (grey) or 3 (RGB)");
        refused(importing("refused", traced, "{\"channels\": 1, \"colour\": true}"), "manifest.colour",
                "is not a valid manifest: unknown field");
        refused(importing("refused", traced, "null"), "manifest", "must be a JSON object, not null");
        importing("refused", traced, "{\"channels\": 1, \"colour\": true}").then()
                .body(not(containsString("dev.kiln"))).body(not(containsString("java.")));
        refused(given().multiPart("manifest", manifest).post("/api/v1/models/refused/versions"), "model",
                "the TorchScript file is missing");

        given().get("/api/v1/models/refused").then().statusCode(404);
        assertThat(artifacts.blobs()).hasSize(blobs);
    }

    private static Response importing(String model, byte[] torchScript, String manifest) {
        return given().multiPart("model", "model.pt", torchScript, "application/octet-stream")
                .multiPart("manifest", "manifest.json", manifest.getBytes(StandardCharsets.UTF_8), "application/json")
                .post("/api/v1/models/" + model + "/versions");
    }

    private static void refused(Response response, String field, String message) {
        response.then().statusCode(400)
                .body("violations[0].field", is(field))
                .body("violations[0].message", containsString(message));
    }

    private static String manifest() throws Exception {
        return new String(TorchScriptFixtures.read("manifest.json"), StandardCharsets.UTF_8);
    }
}
