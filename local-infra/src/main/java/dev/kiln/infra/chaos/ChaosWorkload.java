package dev.kiln.infra.chaos;

import static dev.kiln.infra.stack.StackHttp.JSON;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.infra.stack.StackHttp;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The steady work the chaos suite keeps up while faults are injected, as a client would: a small run for the
 * registered model every 10 s (retried with its Idempotency-Key until the gateway accepts it), predictions at 4
 * per second from the inference service, and a manual promotion of another version every 40 s. It records what
 * was accepted and every prediction's outcome, for the invariants.
 */
final class ChaosWorkload implements AutoCloseable {

    /** A prediction's time and whether it was answered with 200. */
    record Prediction(Instant at, boolean ok, String failure) {
    }

    private static final HttpClient HTTP = StackHttp.client(Duration.ofSeconds(2));
    private static final Duration SUBMIT_PATIENCE = Duration.ofMinutes(3);

    private final String gateway;
    private final String inference;
    private final String model;
    private final long seed;
    private final byte[] png;
    private final Random random;
    private final ScheduledExecutorService clients = Executors.newScheduledThreadPool(2);
    private final ScheduledExecutorService predictor = Executors.newSingleThreadScheduledExecutor();
    private final List<String> acceptedRuns = new CopyOnWriteArrayList<>();
    private final List<Prediction> predictions = new CopyOnWriteArrayList<>();
    private final AtomicInteger submitted = new AtomicInteger();
    private final AtomicInteger promotions = new AtomicInteger();

    ChaosWorkload(String gateway, String inference, String model, long seed, byte[] png) {
        this.gateway = gateway;
        this.inference = inference;
        this.model = model;
        this.seed = seed;
        this.png = png;
        this.random = new Random(seed);
    }

    /** A run spec of the workload: the MNIST sample, a small network, two epochs. */
    static String runSpec(int n) {
        return String.format(Locale.ROOT, "{\"dataset\": \"mnist-sample\", \"model\": \"%s\", \"epochs\": 2,"
                + " \"optimizer\": \"sgd\", \"learningRate\": 0.05, \"seed\": %d}", n % 2 == 0 ? "mlp" : "fc2layer", n);
    }

    void startRunsAndPromotions() {
        clients.scheduleWithFixedDelay(this::submitRun, 0, 10, TimeUnit.SECONDS);
        clients.scheduleWithFixedDelay(this::promoteAnother, 40, 40, TimeUnit.SECONDS);
    }

    void startPredictions() {
        predictor.scheduleAtFixedRate(this::predict, 0, 250, TimeUnit.MILLISECONDS);
    }

    /** Submits a run, retrying with the same key through outages; accepted runs are remembered. */
    String submitRun() {
        int n = submitted.incrementAndGet();
        String body = "{\"registeredModel\": \"" + model + "\", \"spec\": " + runSpec(n) + "}";
        String key = "chaos-" + seed + "-" + model + "-" + n;
        long deadline = System.nanoTime() + SUBMIT_PATIENCE.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                HttpResponse<String> response = HTTP.send(StackHttp.request(gateway + "/api/v1/runs")
                        .timeout(Duration.ofSeconds(10)).header("Content-Type", "application/json")
                        .header("Idempotency-Key", key).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 202 || response.statusCode() == 200) {
                    String id = JSON.readTree(response.body()).path("id").asText();
                    if (!acceptedRuns.contains(id)) {
                        acceptedRuns.add(id);
                    }
                    return id;
                }
                if (response.statusCode() < 500) {
                    throw new IllegalStateException("the gateway refused run " + n + ": " + response.body());
                }
            } catch (IOException e) {
                // The gateway is down or paused: try again.
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
            sleep(1000);
        }
        System.out.println("   run " + n + " not accepted within " + SUBMIT_PATIENCE.toMinutes() + " min");
        return null;
    }

    private void predict() {
        try {
            HttpResponse<String> response = HTTP.send(StackHttp.request(
                    URI.create(inference + "/api/v1/models/" + model + "/predict"))
                    .timeout(Duration.ofSeconds(5)).header("Content-Type", "image/png")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(png)).build(), HttpResponse.BodyHandlers.ofString());
            predictions.add(new Prediction(Instant.now(), response.statusCode() == 200,
                    response.statusCode() == 200 ? null : response.statusCode() + " " + response.body()));
        } catch (IOException e) {
            predictions.add(new Prediction(Instant.now(), false, e.toString()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Points the champion at another registered version, by hand, as an operator would. */
    private void promoteAnother() {
        try {
            JsonNode registered = JSON.readTree(HTTP.send(StackHttp.request(
                    URI.create(gateway + "/api/v1/models/" + model)).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString()).body());
            List<Integer> versions = registered.path("versions").findValues("version").stream()
                    .map(JsonNode::asInt).toList();
            int champion = registered.path("aliases").path("champion").asInt();
            List<Integer> others = versions.stream().filter(v -> v != champion).toList();
            if (others.isEmpty()) {
                return;
            }
            int version = others.get(random.nextInt(others.size()));
            HttpResponse<String> response = HTTP.send(StackHttp.request(
                    URI.create(gateway + "/api/v1/models/" + model + "/promote")).timeout(Duration.ofSeconds(10))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"version\": " + version + "}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() == 200) {
                promotions.incrementAndGet();
            }
        } catch (IOException | RuntimeException e) {
            // The gateway or the store is away: the next round promotes.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    List<String> acceptedRuns() {
        return List.copyOf(acceptedRuns);
    }

    List<Prediction> predictions() {
        return List.copyOf(predictions);
    }

    int promotions() {
        return promotions.get();
    }

    /** Stops submitting runs and promoting; predictions go on. */
    void stopRunsAndPromotions() {
        clients.shutdown();
        try {
            clients.awaitTermination(SUBMIT_PATIENCE.toSeconds() + 30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        clients.shutdownNow();
        predictor.shutdownNow();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
