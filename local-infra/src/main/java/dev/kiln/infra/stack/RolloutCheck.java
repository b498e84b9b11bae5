package dev.kiln.infra.stack;

import static dev.kiln.infra.stack.StackHttp.JSON;
import static dev.kiln.infra.stack.StackHttp.awaitJson;
import static dev.kiln.infra.stack.StackHttp.expect;
import static dev.kiln.infra.stack.StackHttp.fail;
import static dev.kiln.infra.stack.StackHttp.post;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.vision.datasets.ImageSet;
import dev.kiln.vision.pipeline.TrainTestData;
import dev.kiln.vision.serving.PngImages;
import java.io.IOException;
import java.io.OutputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntUnaryOperator;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * {@code ./kiln check-rollout}: the guarded rollout on the running stack, under live traffic that must never see a
 * failed request. A model's policy sends new champions out as a canary. Uploading a data set version fires a
 * trigger; its run trains, is judged against the champion measured on the same new test split, wins, and goes out
 * as a canary that widens to every request. Then a deliberately broken challenger (one epoch on shuffled labels) is
 * promoted: the canary sees it disagree with the champion it replaces and rolls it back (a ROLLBACK promotion).
 */
public final class RolloutCheck {

    private static final Duration TIMEOUT = Duration.ofMinutes(10);
    private static final int TRAIN_PER_CLASS = 500;
    private static final int TEST_PER_CLASS = 50;
    private static final String POLICY = """
            {"metric": "test.accuracy", "autoPromote": true, "minImprovement": 0,
             "rollout": {"mode": "CANARY", "steps": [25, 100], "stepSeconds": 5, "minRequests": 40,
                         "maxErrorRate": 0.01, "maxP99Ms": 2000, "minAgreement": 0.5}}""";

    private RolloutCheck() {
    }

    /** args: GATEWAY_URL INFERENCE_URL DATA_DIR */
    public static void main(String[] args) throws Exception {
        String gateway = args[0];
        String inference = args[1];
        String model = "rollout-digits-" + Instant.now().getEpochSecond();
        String dataset = model + "-data";
        String shuffled = model + "-shuffled";
        TrainTestData digits = TrainTestData.load("mnist-sample", Path.of(args[2]));
        System.out.println("Guarded rollout under live traffic (model " + model + "):");

        expect(StackHttp.put(gateway + "/api/v1/models/" + model + "/policy", POLICY), 200, "the policy");
        String first = submit(gateway, model, "mnist-sample", 1, 0.002);
        awaitJson(gateway + "/api/v1/models/" + model, m -> m.path("aliases").path("champion").asInt() == 1, TIMEOUT,
                "run " + first + " as the champion of " + model);
        awaitJson(inference + "/v2/models/" + model, m -> m.path("versions").path(0).asText().equals("1"), TIMEOUT,
                "v1 served");
        System.out.println("1. policy: new champions go out as a CANARY (25% then 100%, each step 5 s and 40 requests"
                + " at least; error rate <= 1%, p99 <= 2 s, agreement with the replaced version >= 50%); v1 (one"
                + " epoch, learning rate 0.002) is champion and served");

        Load load = new Load(inference + "/api/v1/models/" + model + "/predict", digits.test());
        try {
            expect(post(gateway + "/api/v1/datasets", "{\"name\": \"" + dataset + "\"}"), 201, "the data set");
            HttpResponse<String> trigger = post(gateway + "/api/v1/triggers", "{\"name\": \"" + dataset
                    + "-retrain\", \"when\": {\"datasetReady\": \"" + dataset + "\"}, \"run\": {\"registeredModel\": \""
                    + model + "\", \"spec\": {\"model\": \"mlp\", \"epochs\": 3, \"optimizer\": \"sgd\","
                    + " \"learningRate\": 0.05, \"seed\": 5}}}");
            expect(trigger, 201, "the trigger");
            String triggerId = JSON.readTree(trigger.body()).path("id").asText();
            JsonNode version = push(gateway, dataset, digits, label -> label);
            System.out.printf("2. 4 clients predict without pause; %s@%d uploaded (%d digits per class) and READY%n",
                    dataset, version.path("version").asInt(), TRAIN_PER_CLASS + TEST_PER_CLASS);

            JsonNode firing = awaitJson(gateway + "/api/v1/triggers/" + triggerId + "/firings", f -> f.size() == 1,
                    TIMEOUT, "the trigger's firing").path(0);
            String retrained = firing.path("runId").asText();
            awaitJson(gateway + "/api/v1/models/" + model, m -> m.path("latestVersion").asInt() == 2, TIMEOUT,
                    "run " + retrained + " registered as v2");
            JsonNode promotion = latestPromotion(gateway, model);
            if (promotion.path("version").asInt() != 2 || !"POLICY".equals(promotion.path("reason").asText())) {
                fail("v2 should have beaten v1 on the same images and been promoted by policy: " + promotion);
            }
            JsonNode evidence = promotion.path("evidence");
            System.out.printf(Locale.ROOT, "3. the trigger fired: run %s trained on it; v2 %.1f%% against champion v1"
                            + " %.1f%% on the same %d test images (%s): promoted by POLICY%n", retrained,
                    100 * evidence.path("challenger").asDouble(), 100 * evidence.path("champion").asDouble(),
                    evidence.path("images").asInt(), evidence.path("championOn").asText());

            JsonNode canary = awaitRollout(gateway, model, 2, "COMPLETED");
            if (load.count(1) == 0 || load.count(2) == 0) {
                fail("during the canary both versions should have answered: " + load.versions);
            }
            System.out.printf("4. v2 went out as a canary: %s; the clients were answered by v1 %d times and v2 %d"
                    + " times so far%n", canary.path("reason").asText(), load.count(1), load.count(2));

            JsonNode broken = push(gateway, shuffled, digits, shuffledLabels());
            String poisoned = submit(gateway, model, shuffled + "@" + broken.path("version").asInt(), 1, 0.05);
            JsonNode three = awaitJson(gateway + "/api/v1/models/" + model, m -> m.path("latestVersion").asInt() == 3,
                    TIMEOUT, "run " + poisoned + " registered as v3");
            String how = "promoted by POLICY";
            if (three.path("aliases").path("champion").asInt() != 3) {
                expect(post(gateway + "/api/v1/models/" + model + "/promote", "{\"version\": 3}"), 200,
                        "promoting v3");
                how = "promoted by hand";
            }
            System.out.println("5. v3, one epoch on " + shuffled + " (the same digits, their train labels shuffled), " + how);

            load.markNow();
            JsonNode rolledBack = awaitRollout(gateway, model, 3, "ROLLED_BACK");
            JsonNode back = latestPromotion(gateway, model);
            if (back.path("version").asInt() != 2 || !"ROLLBACK".equals(back.path("reason").asText())) {
                fail("the rollback should have returned the champion to v2 with reason ROLLBACK: " + back);
            }
            System.out.printf("6. the canary rolled v3 back: %s; champion v%d again (ROLLBACK); v3 answered %d"
                    + " requests meanwhile%n", rolledBack.path("reason").asText(), back.path("version").asInt(),
                    load.countSinceMark(3));
            awaitJson(inference + "/v2/models/" + model, m -> m.path("versions").path(0).asText().equals("2"),
                    TIMEOUT, "v2 served again");
            Thread.sleep(2_000);
        } finally {
            load.stop();
        }
        if (!load.failures.isEmpty()) {
            fail(load.failures.size() + " requests failed during the rollouts, e.g. " + load.failures.get(0));
        }
        System.out.printf("7. %d requests, none failed; answered by version: %s%n", load.total(),
                new TreeMap<>(Map.copyOf(load.versions)));
    }

    /** A label for each train image: a random one, so the network learns nothing true. */
    private static IntUnaryOperator shuffledLabels() {
        Random random = new Random(17);
        return label -> random.nextInt(10);
    }

    private static String submit(String gateway, String model, String dataset, int epochs, double learningRate)
            throws Exception {
        HttpResponse<String> created = post(gateway + "/api/v1/runs", String.format(Locale.ROOT,
                "{\"registeredModel\": \"%s\", \"spec\": {\"dataset\": \"%s\", \"model\": \"mlp\", \"epochs\": %d,"
                        + " \"optimizer\": \"sgd\", \"learningRate\": %s, \"seed\": 5}}", model, dataset, epochs,
                learningRate));
        expect(created, 202, "the run");
        return JSON.readTree(created.body()).path("id").asText();
    }

    private static JsonNode latestPromotion(String gateway, String model) throws Exception {
        return JSON.readTree(StackHttp.get(gateway + "/api/v1/models/" + model + "/promotions?limit=1").body()).path(0);
    }

    private static JsonNode awaitRollout(String gateway, String model, int candidate, String state) throws Exception {
        JsonNode rollouts = awaitJson(gateway + "/api/v1/models/" + model + "/rollouts", list -> list.size() > 0
                && list.path(0).path("candidateVersion").asInt() == candidate
                && !"RUNNING".equals(list.path(0).path("state").asText()), TIMEOUT, "the rollout of v" + candidate);
        JsonNode rollout = rollouts.path(0);
        if (!state.equals(rollout.path("state").asText())) {
            fail("the rollout of v" + candidate + " should have ended " + state + ": " + rollout);
        }
        return rollout;
    }

    /**
     * Uploads digits of the MNIST sample as a new version of an image-folder data set, each train image under the
     * label {@code relabel} gives it (test images keep theirs), and waits until it is READY.
     */
    private static JsonNode push(String gateway, String name, TrainTestData digits, IntUnaryOperator relabel)
            throws Exception {
        Path zip = Files.createTempFile(name, ".zip");
        try {
            writeFolder(zip, digits, relabel);
            JsonNode version = DatasetCli.push(gateway, zip, name, null);
            if (!"READY".equals(version.path("status").asText())) {
                fail(name + " should be READY: " + version);
            }
            return version;
        } finally {
            Files.deleteIfExists(zip);
        }
    }

    private static void writeFolder(Path zip, TrainTestData digits, IntUnaryOperator relabel) throws IOException {
        try (OutputStream file = Files.newOutputStream(zip); ZipOutputStream out = new ZipOutputStream(file)) {
            write(out, "train", digits.train(), TRAIN_PER_CLASS, relabel);
            write(out, "test", digits.test(), TEST_PER_CLASS, label -> label);
        }
    }

    private static void write(ZipOutputStream out, String split, ImageSet images, int perClass,
            IntUnaryOperator relabel) throws IOException {
        int[] taken = new int[images.classes().size()];
        for (int i = 0; i < images.size(); i++) {
            int label = images.labels()[i];
            if (taken[label] < perClass) {
                taken[label]++;
                out.putNextEntry(new ZipEntry("digits/" + split + "/" + images.classes().get(relabel.applyAsInt(label))
                        + "/" + i + ".png"));
                out.write(PngImages.encode(images, i));
                out.closeEntry();
            }
        }
    }

    /** Clients predicting one held-out digit at a time without pause, counting who answered and what failed. */
    private static final class Load {

        private static final int CLIENTS = 4;

        final Map<Integer, AtomicInteger> versions = new ConcurrentHashMap<>();
        final List<String> failures = Collections.synchronizedList(new ArrayList<>());
        private final Map<Integer, AtomicInteger> sinceMark = new ConcurrentHashMap<>();
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);

        Load(String url, ImageSet test) {
            List<byte[]> images = new ArrayList<>();
            // Spread over the whole test split: it is ordered by class.
            for (int i = 0; i < 100; i++) {
                images.add(PngImages.encode(test, i * (test.size() / 100)));
            }
            for (int c = 0; c < CLIENTS; c++) {
                int client = c;
                clients.execute(() -> {
                    for (int i = client; running.get(); i += CLIENTS) {
                        predict(url, images.get(i % images.size()));
                    }
                });
            }
        }

        private void predict(String url, byte[] png) {
            try {
                HttpResponse<String> answer = StackHttp.exchange(StackHttp.request(url)
                        .header("Content-Type", "image/png").POST(HttpRequest.BodyPublishers.ofByteArray(png)).build());
                if (answer.statusCode() != 200) {
                    failures.add(answer.statusCode() + " " + answer.body());
                    return;
                }
                int version = JSON.readTree(answer.body()).path("version").asInt();
                versions.computeIfAbsent(version, v -> new AtomicInteger()).incrementAndGet();
                sinceMark.computeIfAbsent(version, v -> new AtomicInteger()).incrementAndGet();
            } catch (Exception e) {
                failures.add(e.toString());
            }
        }

        int count(int version) {
            AtomicInteger n = versions.get(version);
            return n == null ? 0 : n.get();
        }

        int countSinceMark(int version) {
            AtomicInteger n = sinceMark.get(version);
            return n == null ? 0 : n.get();
        }

        void markNow() {
            sinceMark.clear();
        }

        int total() {
            return versions.values().stream().mapToInt(AtomicInteger::get).sum() + failures.size();
        }

        void stop() throws InterruptedException {
            running.set(false);
            clients.shutdown();
            if (!clients.awaitTermination(30, TimeUnit.SECONDS)) {
                fail("the clients did not stop");
            }
        }
    }
}
