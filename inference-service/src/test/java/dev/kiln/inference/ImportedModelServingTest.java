package dev.kiln.inference;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.nullValue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.artifacts.ArtifactStore;
import dev.kiln.contracts.messaging.Json;
import dev.kiln.contracts.models.ImportManifest;
import dev.kiln.infra.kafka.KafkaTestResource;
import dev.kiln.infra.postgres.PostgresTestResource;
import dev.kiln.infra.s3.S3TestResource;
import dev.kiln.infra.torchscript.FixtureOutputs;
import dev.kiln.vision.checkpoints.Checkpoint;
import dev.kiln.vision.imports.TorchScriptFixtures;
import dev.kiln.vision.imports.TorchScriptImport;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * A TorchScript model made by PyTorch (vision-engine's fixture script, Debian's python3-torch), registered as an
 * imported version the way the gateway registers it (no run), promoted and served: the predict API and the Open
 * Inference Protocol answer PyTorch's own probabilities for the same inputs, and the version exports back to a
 * TorchScript file PyTorch loads and runs with the same logits.
 */
@QuarkusTest
@QuarkusTestResource(KafkaTestResource.class)
@QuarkusTestResource(PostgresTestResource.class)
@QuarkusTestResource(S3TestResource.class)
class ImportedModelServingTest extends ServingTestSupport {

    private static final String MODEL = "digits-imported";

    @Inject
    ArtifactStore artifacts;

    @Test
    void anImportedTorchScriptModelIsServedWithPytorchsOutputs() throws Exception {
        byte[] torchScript = TorchScriptFixtures.read("traced.pt");
        String manifestJson = new String(TorchScriptFixtures.read("manifest.json"), StandardCharsets.UTF_8);
        Checkpoint imported = TorchScriptImport.checkpoint(torchScript,
                Json.readStrict(manifestJson, ImportManifest.class));
        String sha256 = artifacts.put(imported.toBytes()).sha256();
        int version = ServingFixtures.promoteImported(registry, MODEL, sha256, Checkpoint.sha256(torchScript),
                manifestJson);
        ServingFixtures.announce(bootstrap, MODEL, version, null, sha256);

        JsonNode pixels = fixture("pixels.json");
        Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() ->
                given().contentType("image/png").body(FixtureOutputs.png(pixels, 0))
                        .post("/api/v1/models/" + MODEL + "/predict").then().extract().statusCode() == 200);

        // The predict API, one PNG at a time: every class's probability is PyTorch's softmax of its logits.
        for (int image = 0; image < 4; image++) {
            JsonNode answer = Json.read(given().contentType("image/png").body(FixtureOutputs.png(pixels, image))
                    .queryParam("topK", 10).post("/api/v1/models/" + MODEL + "/predict")
                    .then().statusCode(200).body("version", is(version)).body("runId", nullValue())
                    .extract().asString(), JsonNode.class);
            double[] expected = FixtureOutputs.probabilities(pixels.get("logits"), image, 10);
            for (JsonNode entry : answer.get("predictions").get(0).get("top")) {
                assertThat(entry.get("probability").asDouble()).as("image %d class %s", image, entry.get("label"))
                        .isCloseTo(expected[entry.get("classIndex").asInt()], within(1e-5));
            }
        }

        // The Open Inference Protocol, one batch of normalised tensors, as the network takes them.
        JsonNode batch = fixture("expected.json");
        Map<String, Object> request = Map.of("inputs", List.of(Map.of("name", "input", "datatype", "FP32",
                "shape", batch.get("shape"), "data", batch.get("input"))));
        given().get("/v2/models/" + MODEL).then().statusCode(200).body("inputs[0].shape", contains(-1, 1, 28, 28))
                .body("platform", is("kiln-djl-pytorch"));
        JsonNode inferred = Json.read(given().contentType(ContentType.JSON).body(Json.write(request))
                .post("/v2/models/" + MODEL + "/infer").then().statusCode(200)
                .body("model_version", is(String.valueOf(version))).extract().asString(), JsonNode.class);
        JsonNode probabilities = inferred.get("outputs").get(0).get("data");
        for (int image = 0; image < 4; image++) {
            double[] expected = FixtureOutputs.probabilities(batch.get("logits"), image, 10);
            for (int c = 0; c < 10; c++) {
                assertThat(probabilities.get(image * 10 + c).asDouble()).as("image %d class %d", image, c)
                        .isCloseTo(expected[c], within(1e-5));
            }
        }

        // One compiled module: nothing inside to show, and the answer says why.
        given().get("/api/v1/models/" + MODEL + "/versions/" + version + "/filters").then().statusCode(409)
                .body("detail", org.hamcrest.Matchers.containsString("imported TorchScript model"));
        given().contentType("image/png").body(FixtureOutputs.png(pixels, 0))
                .post("/api/v1/models/" + MODEL + "/versions/" + version + "/saliency").then().statusCode(409);

        // Out again as TorchScript: PyTorch loads the download and answers the fixture batch with its own logits.
        byte[] exported = given().queryParam("format", "torchscript")
                .get("/api/v1/models/" + MODEL + "/versions/" + version + "/export")
                .then().statusCode(200).extract().asByteArray();
        Path file = Files.createTempFile("imported-", ".pt");
        try {
            Files.write(file, exported);
            assertThat(TorchScriptFixtures.checkInPytorch(file)).isNull();
        } finally {
            Files.delete(file);
        }
    }

    private static JsonNode fixture(String file) throws Exception {
        return Json.read(new String(TorchScriptFixtures.read(file), StandardCharsets.UTF_8), JsonNode.class);
    }
}
