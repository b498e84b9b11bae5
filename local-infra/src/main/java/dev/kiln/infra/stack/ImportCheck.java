package dev.kiln.infra.stack;

import static dev.kiln.infra.stack.StackHttp.JSON;
import static dev.kiln.infra.stack.StackHttp.awaitJson;
import static dev.kiln.infra.stack.StackHttp.fail;
import static dev.kiln.infra.stack.StackHttp.post;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.infra.torchscript.FixtureOutputs;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

/**
 * {@code ./kiln test}'s check of a model brought from PyTorch, against the real processes: the fixture script's
 * TorchScript file is imported over the gateway's API, promoted and served with PyTorch's own probabilities, then
 * fine-tuned by a trainer worker (its convolutions frozen), and the fine-tuned version is promoted, served and
 * exported back as TorchScript.
 */
public final class ImportCheck {

    private static final Duration TRAIN_TIMEOUT = Duration.ofMinutes(10);
    private static final Duration SERVE_TIMEOUT = Duration.ofMinutes(2);

    private ImportCheck() {
    }

    /** args: GATEWAY_URL INFERENCE_URL FIXTURES_DIR (torchscript_fixtures.py's output) */
    public static void main(String[] args) throws Exception {
        String gateway = args[0];
        String inference = args[1];
        Path fixtures = Path.of(args[2]);
        String model = "e2e-imported-" + Instant.now().getEpochSecond();
        System.out.println("A PyTorch model in, served, fine-tuned and out again, end to end (model " + model + "):");

        String boundary = "kiln-" + UUID.randomUUID();
        HttpResponse<String> imported = StackHttp.exchange(StackHttp.request(
                URI.create(gateway + "/api/v1/models/" + model + "/versions")).timeout(Duration.ofMinutes(2))
                .header("Content-Type", PngForms.contentType(boundary))
                .POST(HttpRequest.BodyPublishers.ofByteArray(PngForms.multipart(boundary, List.of(
                        new PngForms.Part("model", "traced.pt", "application/octet-stream",
                                Files.readAllBytes(fixtures.resolve("traced.pt"))),
                        new PngForms.Part("manifest", "manifest.json", "application/json",
                                Files.readAllBytes(fixtures.resolve("manifest.json"))))))).build());
        if (imported.statusCode() != 201) {
            fail("the import answered " + imported.statusCode() + ": " + imported.body());
        }
        JsonNode version = JSON.readTree(imported.body());
        System.out.printf("   imported traced.pt as v%d (source %s, checkpoint %s...)%n",
                version.path("version").asInt(), version.path("source").asText(),
                version.path("checkpointSha256").asText().substring(0, 12));
        promote(gateway, model, 1);

        JsonNode pixels = JSON.readTree(Files.readString(fixtures.resolve("pixels.json")));
        byte[] png = FixtureOutputs.png(pixels, 0);
        JsonNode answer = awaitServed(inference, model, 1, png);
        double difference = largestDifference(answer.path("predictions").path(0).path("top"), pixels);
        if (difference > 1e-4) {
            fail("the served probabilities differ from PyTorch's by " + difference);
        }
        System.out.printf(Locale.ROOT, "   served v1: probabilities within %.1e of PyTorch's own%n", difference);

        HttpResponse<String> created = post(gateway + "/api/v1/runs", "{\"registeredModel\": \"" + model + "\","
                + " \"spec\": {\"dataset\": \"mnist-sample\", \"epochs\": 1, \"seed\": 3, \"init\": {\"model\": \""
                + model + "@1\", \"freeze\": [\"features\"]}}}");
        if (created.statusCode() != 202) {
            fail("the fine-tuning run was refused: " + created.statusCode() + " " + created.body());
        }
        String runId = JSON.readTree(created.body()).path("id").asText();
        JsonNode registered = awaitJson(gateway + "/api/v1/models/" + model,
                m -> m.path("versions").findValuesAsText("runId").contains(runId), TRAIN_TIMEOUT,
                "version registered for the fine-tuning run " + runId);
        JsonNode tuned = registered.path("versions").path(0);
        System.out.printf(Locale.ROOT, "   fine-tuned by run %s (features frozen): v%d, test accuracy %.2f%%;"
                + " champion still v%d (an imported champion is replaced by hand)%n", runId,
                tuned.path("version").asInt(), 100 * tuned.path("testAccuracy").asDouble(),
                registered.path("aliases").path("champion").asInt());
        promote(gateway, model, 2);
        awaitServed(inference, model, 2, png);
        HttpResponse<byte[]> exported = StackHttp.getBytes(inference + "/api/v1/models/" + model
                + "/versions/2/export?format=torchscript");
        if (exported.statusCode() != 200 || exported.body().length == 0) {
            fail("the TorchScript export answered " + exported.statusCode());
        }
        System.out.printf("   v2 served, and exported as TorchScript (%,d bytes)%n", exported.body().length);
    }

    private static void promote(String gateway, String model, int version) throws Exception {
        HttpResponse<String> promoted = post(gateway + "/api/v1/models/" + model + "/promote",
                "{\"version\": " + version + "}");
        if (promoted.statusCode() != 200) {
            fail("promoting v" + version + " answered " + promoted.statusCode() + ": " + promoted.body());
        }
    }

    /** Waits until the champion served is this version (as PromotionCheck does); its answer, all ten classes. */
    private static JsonNode awaitServed(String inference, String model, int version, byte[] png) throws Exception {
        awaitJson(inference + "/v2/models/" + model,
                m -> m.path("versions").path(0).asText().equals(String.valueOf(version)), SERVE_TIMEOUT,
                "v" + version + " of " + model + " served");
        JsonNode answer = StackHttp.send(PngForms.predict(inference + "/api/v1/models/" + model + "/predict?topK=10",
                List.of(png), List.of("digit.png")));
        if (answer.path("version").asInt() != version) {
            fail("the predict API answered with v" + answer.path("version").asInt() + ", not v" + version);
        }
        return answer;
    }

    /** The largest difference between the served probabilities and PyTorch's for image 0, all ten classes. */
    private static double largestDifference(JsonNode top, JsonNode pixels) {
        double[] expected = FixtureOutputs.probabilities(pixels.path("logits"), 0, 10);
        double largest = top.size() == 10 ? 0 : Double.POSITIVE_INFINITY;
        for (JsonNode entry : top) {
            largest = Math.max(largest, Math.abs(entry.path("probability").asDouble()
                    - expected[entry.path("classIndex").asInt()]));
        }
        return largest;
    }
}
