package dev.kiln.infra.stack;

import static dev.kiln.infra.stack.StackHttp.JSON;
import static dev.kiln.infra.stack.StackHttp.awaitJson;
import static dev.kiln.infra.stack.StackHttp.fail;
import static dev.kiln.infra.stack.StackHttp.get;
import static dev.kiln.infra.stack.StackHttp.getBytes;
import static dev.kiln.infra.stack.StackHttp.send;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.vision.datasets.ImageSet;
import dev.kiln.vision.pipeline.TrainTestData;
import dev.kiln.vision.serving.PngImages;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The demo's second half: the run just trained is registered and (if it beats the champion) promoted, the
 * inference service hot-loads the champion, and real held-out images, sent as PNG files, are classified
 * by it; then the whole test set goes through the API and its accuracy is compared with the run's own.
 */
final class ServingDemo {

    private static final Duration REGISTER_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration SERVE_TIMEOUT = Duration.ofSeconds(120);
    private static final int SHOWN = 8;
    private static final int BATCH = 100;

    private ServingDemo() {
    }

    /** @param step the number of the demo's first step here */
    static void show(String gateway, String inference, String model, String runId, String dataset, Path dataDir,
            int step) throws Exception {
        JsonNode registered = awaitJson(gateway + "/api/v1/models/" + model, m -> version(m, runId) != null,
                REGISTER_TIMEOUT, "the run registered as a version of " + model);
        JsonNode version = version(registered, runId);
        int champion = registered.path("aliases").path("champion").asInt();
        JsonNode promotion = JSON.readTree(get(gateway + "/api/v1/models/" + model + "/promotions?limit=1").body()).path(0);
        System.out.printf(Locale.ROOT, "%d. Registry (GET /api/v1/models/%s): the run is version %d (test accuracy %.2f%%);"
                        + " champion: v%d (%s promotion%s)%n", step, model, version.path("version").asInt(),
                100 * version.path("testAccuracy").asDouble(), champion, promotion.path("reason").asText(),
                champion == version.path("version").asInt() ? ", by the policy: first version or better than the champion"
                        : "; this run did not beat it");

        long waitStarted = System.nanoTime();
        JsonNode metadata = awaitJson(inference + "/v2/models/" + model,
                m -> m.path("versions").path(0).asText().equals(String.valueOf(champion)), SERVE_TIMEOUT,
                "v" + champion + " served by " + inference);
        System.out.printf(Locale.ROOT, "%d. Inference (GET /v2/models/%s): v%d hot-loaded (checkpoint verified, warmed up),"
                        + " answering %.1f s later; input %s %s%n", step + 1, model, champion,
                (System.nanoTime() - waitStarted) / 1e9, metadata.path("inputs").path(0).path("datatype").asText(),
                metadata.path("inputs").path(0).path("shape"));

        ImageSet test = TrainTestData.load(dataset, dataDir).test();
        String predict = inference + "/api/v1/models/" + model + "/predict";
        List<byte[]> shown = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (int i = 0; i < SHOWN; i++) {
            int index = i * (test.size() / SHOWN);
            shown.add(PngImages.encode(test, index));
            names.add("test-" + index + ".png");
        }
        JsonNode answer = send(PngForms.predict(predict + "?topK=2", shown, names));
        System.out.printf("%d. POST /api/v1/models/%s/predict with %d held-out images as PNG files (one multipart"
                + " request), answered by v%d:%n", step + 2, model, SHOWN, answer.path("version").asInt());
        System.out.printf("   %-16s %-8s %-10s %11s   %s%n", "image", "truth", "predicted", "probability", "runner-up");
        for (int i = 0; i < SHOWN; i++) {
            JsonNode p = answer.path("predictions").path(i);
            String truth = test.classes().get(test.labels()[i * (test.size() / SHOWN)]);
            JsonNode top = p.path("top");
            System.out.printf(Locale.ROOT, "   %-16s %-8s %-10s %10.2f%%   %s %.2f%%%s%n", p.path("image").asText(), truth,
                    p.path("label").asText(), 100 * top.path(0).path("probability").asDouble(),
                    top.path(1).path("label").asText(), 100 * top.path(1).path("probability").asDouble(),
                    truth.equals(p.path("label").asText()) ? "" : "   <- wrong");
        }

        int correct = 0;
        for (int start = 0; start < test.size(); start += BATCH) {
            List<byte[]> batch = new ArrayList<>();
            List<String> batchNames = new ArrayList<>();
            for (int i = start; i < Math.min(start + BATCH, test.size()); i++) {
                batch.add(PngImages.encode(test, i));
                batchNames.add("test-" + i + ".png");
            }
            JsonNode predictions = send(PngForms.predict(predict + "?topK=1", batch, batchNames)).path("predictions");
            for (int i = 0; i < predictions.size(); i++) {
                correct += predictions.path(i).path("label").asText()
                        .equals(test.classes().get(test.labels()[start + i])) ? 1 : 0;
            }
        }
        double served = (double) correct / test.size();
        double expected = championAccuracy(registered, champion);
        System.out.printf(Locale.ROOT, "%d. The served v%d over the whole test set through the API (%,d PNGs, %d per"
                        + " request): %.2f%% top-1; the run's own test evaluation: %.2f%%%n", step + 3, champion,
                test.size(), BATCH, 100 * served, 100 * expected);
        if (Math.abs(served - expected) > 1e-9) {
            fail("the served model scores " + served + " on the test set, its run scored " + expected);
        }

        String export = "/api/v1/models/" + model + "/versions/" + champion + "/export?format=onnx";
        HttpResponse<byte[]> onnx = getBytes(inference + export);
        if (onnx.statusCode() != 200) {
            fail("GET " + export + " answered " + onnx.statusCode() + ": " + new String(onnx.body()));
        }
        Path file = dataDir.resolveSibling("exports").resolve(model + "-v" + champion + ".onnx");
        Files.createDirectories(file.getParent());
        Files.write(file, onnx.body());
        System.out.printf(Locale.ROOT, "%d. GET %s: v%d as ONNX (opset 13, %,d bytes) in %s; input \"pixels\" (N x %s,"
                        + " values 0..1, normalised inside), outputs \"logits\" and \"probabilities\", class names in"
                        + " its metadata: runs in ONNX Runtime as in Kiln (tested to 1e-4)%n", step + 4, export, champion,
                onnx.body().length, file, metadata.path("inputs").path(0).path("shape").toString()
                        .replaceAll("[\\[\\]]", "").replaceFirst("^-1,", "").replace(",", " x "));
    }

    private static JsonNode version(JsonNode model, String runId) {
        for (JsonNode v : model.path("versions")) {
            if (runId.equals(v.path("runId").asText())) {
                return v;
            }
        }
        return null;
    }

    private static double championAccuracy(JsonNode model, int champion) {
        for (JsonNode v : model.path("versions")) {
            if (v.path("version").asInt() == champion) {
                return v.path("testAccuracy").asDouble();
            }
        }
        throw new IllegalStateException("champion v" + champion + " is not among the versions");
    }

}
