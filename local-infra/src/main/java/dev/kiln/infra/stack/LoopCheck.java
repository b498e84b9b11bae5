package dev.kiln.infra.stack;

import static dev.kiln.infra.stack.StackHttp.JSON;
import static dev.kiln.infra.stack.StackHttp.awaitJson;
import static dev.kiln.infra.stack.StackHttp.expect;
import static dev.kiln.infra.stack.StackHttp.fail;
import static dev.kiln.infra.stack.StackHttp.post;
import static dev.kiln.infra.stack.StackHttp.send;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.vision.datasets.ImageSet;
import dev.kiln.vision.pipeline.TrainTestData;
import dev.kiln.vision.serving.PngImages;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code ./kiln check-loop}: the loop from serving back to training on the running stack, whose inference service
 * the launcher restarted with every prediction logged. A model's champion answers held-out digits; each logged
 * prediction gets its true label as feedback; the labelled predictions are exported as a new version of a data
 * set, which a trainer validates to READY; a {@code datasetReady} trigger then trains a run on that version, and the
 * run joins the model as its next version, judged against the champion measured on the new version's test split.
 */
public final class LoopCheck {

    private static final Duration TIMEOUT = Duration.ofMinutes(10);
    /** Held-out digits sent: a few of every class, so the exported version holds all ten. */
    private static final int IMAGES = 100;

    private LoopCheck() {
    }

    /** args: GATEWAY_URL INFERENCE_URL DATA_DIR */
    public static void main(String[] args) throws Exception {
        String gateway = args[0];
        String inference = args[1];
        String model = "loop-digits-" + Instant.now().getEpochSecond();
        String dataset = model + "-feedback";
        System.out.println("The loop from serving back to training (model " + model + ", data set " + dataset + "):");

        String first = submit(gateway, "{\"registeredModel\": \"" + model + "\", \"spec\": {\"dataset\":"
                + " \"mnist-sample\", \"model\": \"mlp\", \"epochs\": 1, \"optimizer\": \"sgd\", \"learningRate\": 0.05,"
                + " \"seed\": 5}}");
        awaitJson(gateway + "/api/v1/models/" + model, m -> m.path("aliases").path("champion").asInt() == 1, TIMEOUT,
                "run " + first + " as the champion of " + model);
        awaitJson(inference + "/v2/models/" + model, m -> m.path("versions").path(0).asText().equals("1"), TIMEOUT,
                "v1 served");
        expect(post(gateway + "/api/v1/datasets", "{\"name\": \"" + dataset + "\"}"), 201, "the data set");
        HttpResponse<String> trigger = post(gateway + "/api/v1/triggers", "{\"name\": \"" + dataset + "-retrain\","
                + " \"when\": {\"datasetReady\": \"" + dataset + "\"}, \"run\": {\"registeredModel\": \"" + model
                + "\", \"spec\": {\"model\": \"mlp\", \"epochs\": 3, \"optimizer\": \"sgd\", \"learningRate\": 0.05,"
                + " \"seed\": 5}}}");
        expect(trigger, 201, "the trigger");
        String triggerId = JSON.readTree(trigger.body()).path("id").asText();
        System.out.println("1. v1 (one epoch on the MNIST sample) is champion and served; trigger " + triggerId
                + " retrains on every READY version of " + dataset);

        ImageSet test = TrainTestData.load("mnist-sample", Path.of(args[2])).test();
        List<byte[]> images = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (int i = 0; i < IMAGES; i++) {
            int index = i * (test.size() / IMAGES);
            images.add(PngImages.encode(test, index));
            names.add(String.valueOf(index));
        }
        JsonNode answer = send(PngForms.predict(inference + "/api/v1/models/" + model + "/predict", images, names));
        int labelled = 0;
        int wrong = 0;
        for (JsonNode prediction : answer.path("predictions")) {
            String id = prediction.path("predictionId").asText(null);
            if (id == null) {
                fail("image " + prediction.path("image").asText() + " was not logged: the inference service must log"
                        + " every prediction for this check (KILN_PREDICTION_LOG_SAMPLE_RATE=1,"
                        + " KILN_PREDICTION_LOG_MAX_PER_SECOND=0)");
            }
            String truth = test.classes().get(test.labels()[Integer.parseInt(prediction.path("image").asText())]);
            wrong += truth.equals(prediction.path("label").asText()) ? 0 : 1;
            // The prediction log is written off the request thread: its entry may take a moment.
            awaitJson(gateway + "/api/v1/predictions/" + id, p -> p.has("model"), Duration.ofSeconds(30),
                    "logged prediction " + id);
            expect(post(gateway + "/api/v1/predictions/" + id + "/feedback", "{\"label\": \"" + truth + "\"}"), 200,
                    "feedback on " + id);
            labelled++;
        }
        System.out.printf("2. %d held-out digits predicted by v1 (%d wrong), each logged; each given its true label%n",
                labelled, wrong);

        HttpResponse<String> exported = post(gateway + "/api/v1/models/" + model + "/feedback/export",
                "{\"dataset\": \"" + dataset + "\"}");
        expect(exported, 201, "the export");
        int version = JSON.readTree(exported.body()).path("version").asInt();
        JsonNode ready = awaitJson(gateway + "/api/v1/datasets/" + dataset + "/versions/" + version,
                v -> !"VALIDATING".equals(v.path("status").asText()), TIMEOUT, dataset + "@" + version + " validated");
        if (!"READY".equals(ready.path("status").asText())) {
            fail(dataset + "@" + version + " is " + ready.path("status").asText() + ": " + ready);
        }
        System.out.println("3. the labelled predictions exported as " + dataset + "@" + version
                + ", validated by a trainer: READY");

        JsonNode firing = awaitJson(gateway + "/api/v1/triggers/" + triggerId + "/firings", f -> f.size() == 1,
                TIMEOUT, "the trigger's firing").path(0);
        String run = firing.path("runId").asText(null);
        if (run == null || !(dataset + "@" + version).equals(firing.path("cause").asText())) {
            fail("the trigger should have submitted a run for " + dataset + "@" + version + ": " + firing);
        }
        JsonNode registered = awaitJson(gateway + "/api/v1/models/" + model, m -> m.path("latestVersion").asInt() == 2,
                TIMEOUT, "run " + run + " registered as v2");
        JsonNode trained = JSON.readTree(StackHttp.get(gateway + "/api/v1/runs/" + run).body());
        if (!(dataset + "@" + version).equals(trained.path("spec").path("dataset").asText())) {
            fail("run " + run + " trained on " + trained.path("spec").path("dataset") + ", not the new version");
        }
        JsonNode measured = trained.path("championEvaluation");
        if (measured.path("version").asInt() != 1 || !measured.has("test")) {
            fail("run " + run + " should have measured champion v1 on its test split: " + measured);
        }
        System.out.printf(Locale.ROOT, "4. the trigger fired once for %s: run %s trained on it (%d epochs), test"
                        + " accuracy %.2f%% on its %d held-out images; champion v1 measured on the same images:"
                        + " %.2f%%; champion now v%d%n", firing.path("cause").asText(), run,
                trained.path("epochsDone").asInt(), 100 * trained.path("result").path("accuracy").asDouble(),
                trained.path("result").path("images").asInt(), 100 * measured.path("test").path("accuracy").asDouble(),
                registered.path("aliases").path("champion").asInt());
    }

    private static String submit(String gateway, String body) throws Exception {
        HttpResponse<String> created = post(gateway + "/api/v1/runs", body);
        expect(created, 202, "the run");
        return JSON.readTree(created.body()).path("id").asText();
    }
}
