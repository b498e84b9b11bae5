package dev.kiln.infra.stack;

import static dev.kiln.infra.stack.StackHttp.JSON;
import static dev.kiln.infra.stack.StackHttp.awaitJson;
import static dev.kiln.infra.stack.StackHttp.fail;
import static dev.kiln.infra.stack.StackHttp.post;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;

/**
 * {@code ./kiln test}'s check of automatic promotion against the real processes: a weak run becomes a new
 * model's first champion and is served; a stronger run then completes, the policy promotes it, and the
 * inference service's served version changes to it, with no request between; the policy compared the two on
 * the same test images (the champion measured by the challenger's worker).
 */
public final class PromotionCheck {

    private static final Duration TRAIN_TIMEOUT = Duration.ofMinutes(10);
    private static final Duration SERVE_TIMEOUT = Duration.ofMinutes(2);

    private PromotionCheck() {
    }

    /** args: GATEWAY_URL INFERENCE_URL */
    public static void main(String[] args) throws Exception {
        String gateway = args[0];
        String inference = args[1];
        String model = "e2e-digits-" + Instant.now().getEpochSecond();
        System.out.println("Automatic promotion, end to end (model " + model + "):");
        int weak = trainAndAwaitServed(gateway, inference, model,
                "{\"dataset\": \"mnist-sample\", \"model\": \"mlp\", \"epochs\": 1, \"optimizer\": \"sgd\","
                        + " \"learningRate\": 0.02, \"seed\": 3}", 1);
        int strong = trainAndAwaitServed(gateway, inference, model,
                "{\"dataset\": \"mnist-sample\", \"model\": \"cifar-cnn\", \"epochs\": 2, \"batchSize\": 32,"
                        + " \"optimizer\": \"adam\", \"learningRate\": 0.002, \"seed\": 3}", 2);
        JsonNode promotions = JSON.readTree(StackHttp.get(gateway + "/api/v1/models/" + model + "/promotions").body());
        System.out.println("   promotions: " + promotions.findValuesAsText("reason") + ", served v" + weak + " then v"
                + strong);
        // Both runs trained on the MNIST sample's split: the champion measured on the challenger's test images
        // scores exactly what its own run reported.
        JsonNode evidence = promotions.path(0).path("evidence");
        double championOwn = JSON.readTree(StackHttp.get(gateway + "/api/v1/models/" + model).body())
                .path("versions").path(1).path("testAccuracy").asDouble();
        if (!"CHALLENGER_TEST_SPLIT".equals(evidence.path("championOn").asText())
                || evidence.path("championVersion").asInt() != weak
                || Math.abs(evidence.path("champion").asDouble() - championOwn) > 1e-9) {
            fail("v" + strong + "'s promotion should compare it with v" + weak + " measured on its test images ("
                    + championOwn + "); its evidence: " + evidence);
        }
        System.out.printf(Locale.ROOT, "   decided on the same %d test images: v%d %.4f against champion v%d %.4f%n",
                evidence.path("images").asInt(), strong, evidence.path("challenger").asDouble(), weak,
                evidence.path("champion").asDouble());
    }

    /** Trains a run for the model and waits until the inference service serves the version it expects. */
    private static int trainAndAwaitServed(String gateway, String inference, String model, String spec, int expected)
            throws Exception {
        HttpResponse<String> created = post(gateway + "/api/v1/runs",
                "{\"registeredModel\": \"" + model + "\", \"spec\": " + spec + "}");
        if (created.statusCode() != 202) {
            fail("the gateway answered " + created.statusCode() + ": " + created.body());
        }
        String runId = JSON.readTree(created.body()).path("id").asText();
        JsonNode registered = awaitJson(gateway + "/api/v1/models/" + model,
                m -> m.path("versions").findValuesAsText("runId").contains(runId), TRAIN_TIMEOUT,
                "version registered for run " + runId);
        int champion = registered.path("aliases").path("champion").asInt();
        JsonNode version = registered.path("versions").path(0);
        System.out.printf(Locale.ROOT, "   run %s trained: v%d, test accuracy %.2f%%; champion now v%d%n", runId,
                version.path("version").asInt(), 100 * version.path("testAccuracy").asDouble(), champion);
        if (champion != expected) {
            fail("expected v" + expected + " to be the champion, the registry says v" + champion);
        }
        long started = System.nanoTime();
        awaitJson(inference + "/v2/models/" + model,
                m -> m.path("versions").path(0).asText().equals(String.valueOf(expected)), SERVE_TIMEOUT,
                "v" + expected + " served");
        System.out.printf(Locale.ROOT, "   the inference service answers with v%d (%.1f s after registration)%n",
                expected, (System.nanoTime() - started) / 1e9);
        return expected;
    }
}
