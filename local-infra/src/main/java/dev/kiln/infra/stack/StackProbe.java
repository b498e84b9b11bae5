package dev.kiln.infra.stack;

import static dev.kiln.infra.stack.StackHttp.fail;
import static dev.kiln.infra.stack.StackHttp.get;
import static dev.kiln.infra.stack.StackHttp.post;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.contracts.messaging.Json;
import dev.kiln.contracts.messaging.Topics;
import dev.kiln.contracts.runs.TrainingSpec;
import dev.kiln.infra.kafka.TopicReader;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * What {@code ./kiln} needs to talk to the running stack, in Java so a fresh machine needs no curl:
 * {@code ready URL...} waits until every service reports ready; {@code demo ...} sends a run through
 * gateway, Kafka, trainer and PostgreSQL, shows each hop, then the result registered, promoted, hot-loaded
 * and serving predictions ({@link ServingDemo}).
 */
public final class StackProbe {

    private static final HttpClient HTTP = StackHttp.client(Duration.ofSeconds(2));
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(90);
    private static final Duration CLAIM_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration TRAIN_TIMEOUT = Duration.ofMinutes(15);

    private StackProbe() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length >= 2 && args[0].equals("ready")) {
            for (int i = 1; i < args.length; i++) {
                awaitReady(args[i]);
            }
        } else if (args.length == 8 && args[0].equals("demo")) {
            demo(args[1], args[2], args[3], Files.readString(Path.of(args[4])), args[5], Path.of(args[6]));
            DatasetDemo.run(args[1], args[2], Path.of(args[6]), "fashion-folder-cnn");
            studyDemo(args[1], Path.of(args[7]));
            System.out.println();
            RolloutCheck.main(new String[] {args[1], args[2], args[6]});
        } else {
            System.err.println("usage: StackProbe ready URL... | demo GATEWAY_URL INFERENCE_URL KAFKA_BOOTSTRAP SPEC_FILE"
                    + " REGISTERED_MODEL DATA_DIR STUDY_FILE");
            System.exit(2);
        }
    }

    private static void awaitReady(String baseUrl) throws InterruptedException {
        Instant deadline = Instant.now().plus(READY_TIMEOUT);
        String last = "no answer";
        while (Instant.now().isBefore(deadline)) {
            try {
                HttpResponse<String> response = get(baseUrl + "/q/health/ready");
                if (response.statusCode() == 200) {
                    System.out.println("  ready  " + baseUrl);
                    return;
                }
                last = response.statusCode() + " " + response.body();
            } catch (IOException e) {
                last = e.getClass().getSimpleName();
            }
            Thread.sleep(500);
        }
        fail(baseUrl + " not ready after " + READY_TIMEOUT.toSeconds() + " s (" + last + ")");
    }

    private static void demo(String gateway, String inference, String bootstrap, String specJson, String model,
            Path dataDir) throws Exception {
        String request = "{\"registeredModel\": \"" + model + "\", \"spec\": " + specJson.strip() + "}";
        System.out.println("1. POST " + gateway + "/api/v1/runs " + JSON.readTree(request));
        HttpResponse<String> created = post(gateway + "/api/v1/runs", request);
        if (created.statusCode() != 202) {
            fail("gateway answered " + created.statusCode() + ": " + created.body());
        }
        JsonNode run = JSON.readTree(created.body());
        String id = run.get("id").asText();
        System.out.println("   202 Accepted, run " + id + " is " + run.get("status").asText()
                + " (stored in PostgreSQL with its message in the outbox)");
        JsonNode pin = run.path("spec").path("data");
        System.out.println("   pinned to data set version " + pin.path("version").asText() + " (packed SHA-256 "
                + pin.path("packedSha256").asText().substring(0, 12) + "..., " + pin.path("trainSize").asInt()
                + " + " + pin.path("testSize").asInt() + " images): built-in data is a registered version too");

        ConsumerRecord<String, String> record = TopicReader.await(bootstrap, Topics.TRAIN_REQUESTS,
                r -> id.equals(r.key()), CLAIM_TIMEOUT);
        if (record == null) {
            fail("no train request for run " + id + " on " + Topics.TRAIN_REQUESTS);
        }
        System.out.println("2. Kafka " + record.topic() + " partition " + record.partition() + " offset "
                + record.offset());

        printSummary(gateway, id);

        JsonNode claimed = await(gateway, id, r -> r.hasNonNull("worker"), CLAIM_TIMEOUT, "claimed by a trainer");
        System.out.println("3. trainer worker " + claimed.get("worker").asText() + " consumed it and claimed the run");

        System.out.println("4. training, followed live (Server-Sent Events, GET /api/v1/runs/" + id + "/events):");
        JsonNode done = followEpochs(gateway, id);
        System.out.println("5. " + done.path("status").asText() + " on " + done.path("device").asText()
                + " after " + done.path("epochsDone").asInt() + " epochs; the result is epoch "
                + done.path("bestEpoch").asInt() + "'s weights (lowest validation loss)");
        if (!"SUCCEEDED".equals(done.path("status").asText())) {
            fail("the run did not succeed: " + done.path("failureReason").asText());
        }
        printResult(done.path("result"));
        System.out.println("   in the web console: " + gateway + "/console/runs/" + id);

        String bad = "{\"spec\": {\"dataset\": \"imagenet\", \"model\": \"mnist-cnn\", \"learningRate\": -1}}";
        HttpResponse<String> rejected = post(gateway + "/api/v1/runs", bad);
        System.out.println("6. An invalid request is refused before any work: " + rejected.statusCode() + " "
                + rejected.body());
        if (rejected.statusCode() != 400) {
            fail("expected 400 for an invalid spec");
        }
        // The run trained on a pinned version of the built-in set (fashion-mnist@1); its files are in dataDir.
        String dataset = Json.fromTree(done.path("spec"), TrainingSpec.class).datasetName();
        ServingDemo.show(gateway, inference, model, id, dataset, dataDir, 7);
        printAudit(gateway);
        System.out.println("Round trip OK: gateway -> Kafka -> trainer (DJL) -> PostgreSQL -> registry -> promotion"
                + " -> inference (hot-loaded) -> predictions.");
    }

    /** What the audit trail kept of the demo: its requests (the refused one too) and the policy's promotions. */
    private static void printAudit(String gateway) throws Exception {
        // Entries are written just after each answer: wait for the refused request's, the demo's last.
        JsonNode trail = StackHttp.awaitJson(gateway + "/api/v1/audit?limit=4", entries -> entries.findValues("status")
                .stream().anyMatch(status -> status.asInt() == 400), Duration.ofSeconds(30), "audit entry of request 6");
        System.out.println("8. The audit trail (GET /api/v1/audit, admins), newest first:");
        for (JsonNode entry : trail) {
            System.out.printf("   %s  %-24s %-36s %d%s%n", entry.path("at").asText(), entry.path("actor").asText(),
                    entry.path("action").asText(), entry.path("status").asInt(),
                    entry.hasNonNull("detail") ? "  " + entry.path("detail").asText() : "");
        }
    }

    /** A small hyperparameter study through the same platform: trials as runs, a pruner, the report table. */
    private static void studyDemo(String gateway, Path studyFile) throws Exception {
        System.out.println();
        System.out.println("A hyperparameter study (" + studyFile + "): random search, ASHA pruning, trials as runs");
        String id = StudyCli.submit(gateway, studyFile);
        System.out.println("   POST " + gateway + "/api/v1/studies -> study " + id);
        JsonNode study = StudyCli.follow(gateway, id);
        int epochs = 0;
        int pruned = 0;
        int budget = 0;
        for (JsonNode trial : study.path("trials")) {
            epochs += trial.path("epochs").asInt();
            pruned += "PRUNED".equals(trial.path("state").asText()) ? 1 : 0;
            budget += study.path("spec").path("base").path("epochs").asInt();
        }
        System.out.printf("   %d of %d trials pruned: %d epochs trained of the %d a study without a pruner runs%n",
                pruned, study.path("trials").size(), epochs, budget);
        if (!"SUCCEEDED".equals(study.path("status").asText()) || !study.hasNonNull("bestTrial")) {
            fail("the study did not succeed with a best trial: " + study.path("reason").asText());
        }
        System.out.println("   in the web console: " + gateway + "/console/studies/" + id);
    }

    /**
     * Follows the run's Server-Sent Events (GET /api/v1/runs/{id}/events), printing each epoch as the worker
     * records it, until the stream ends with the run; returns the finished run.
     */
    static JsonNode followEpochs(String gateway, String id) throws Exception {
        HttpRequest request = StackHttp.request(gateway + "/api/v1/runs/" + id + "/events")
                .header("Accept", "text/event-stream").timeout(TRAIN_TIMEOUT).build();
        String event = null;
        for (String line : (Iterable<String>) HTTP.send(request, HttpResponse.BodyHandlers.ofLines()).body()::iterator) {
            if (line.startsWith("event:")) {
                event = line.substring(6).trim();
            } else if (line.startsWith("data:") && "epoch".equals(event)) {
                JsonNode e = JSON.readTree(line.substring(5)).path("metrics");
                System.out.printf(Locale.ROOT, "   epoch %2d  train loss %.4f  acc %6.2f%%  val loss %.4f  acc %6.2f%%"
                        + "  lr %.2e  %,.0f img/s  %.1fs%n", e.path("epoch").asInt(), e.path("trainLoss").asDouble(),
                        100 * e.path("trainAccuracy").asDouble(), e.path("validationLoss").asDouble(),
                        100 * e.path("validationAccuracy").asDouble(), e.path("learningRate").asDouble(),
                        e.path("imagesPerSecond").asDouble(), e.path("seconds").asDouble());
            } else if (line.startsWith("data:") && event != null && List.of("started", "completed", "failed", "cancelled")
                    .contains(event)) {
                System.out.println("   " + event + " (" + JSON.readTree(line.substring(5)).path("worker").asText() + ")");
            }
        }
        // The stream ends with the run: read its final state.
        return await(gateway, id, r -> r.hasNonNull("finishedAt"), CLAIM_TIMEOUT, "finished");
    }

    /** The run's model layer by layer, as GET /api/v1/runs/{id}/summary answers it. */
    private static void printSummary(String gateway, String id) throws IOException, InterruptedException {
        HttpResponse<String> response = get(gateway + "/api/v1/runs/" + id + "/summary");
        if (response.statusCode() != 200) {
            fail("GET /api/v1/runs/" + id + "/summary answered " + response.statusCode() + ": " + response.body());
        }
        JsonNode view = JSON.readTree(response.body());
        JsonNode summary = view.path("summary");
        System.out.printf(Locale.ROOT, "   its model (GET /api/v1/runs/%s/summary): %s on %s, input %s%n", id,
                view.path("model").asText(), view.path("dataset").asText(), dims(summary.path("input")));
        for (JsonNode layer : summary.path("layers")) {
            System.out.printf(Locale.ROOT, "     %-6s %-10s %-10s %,10d parameters %,13d multiply-adds%n",
                    layer.path("name").asText(), layer.path("type").asText(), dims(layer.path("output")),
                    layer.path("parameters").asLong(), layer.path("multiplyAdds").asLong());
        }
        System.out.printf(Locale.ROOT, "     total: %,d parameters, %,d multiply-adds per image, about %.1f MiB per"
                + " training step at batch %d%n", summary.path("parameters").asLong(),
                summary.path("multiplyAdds").asLong(), view.path("trainingBytes").asLong() / 1048576.0,
                view.path("batchSize").asInt());
    }

    private static String dims(JsonNode shape) {
        List<String> dims = new java.util.ArrayList<>();
        shape.forEach(d -> dims.add(d.asText()));
        return String.join("x", dims);
    }

    static void printResult(JsonNode result) {
        System.out.printf(Locale.ROOT, "   test set (%,d images): loss %.4f  top-1 %.2f%%  top-%d %.2f%%%n",
                result.path("images").asInt(), result.path("loss").asDouble(), 100 * result.path("accuracy").asDouble(),
                result.path("topK").asInt(), 100 * result.path("topKAccuracy").asDouble());
        System.out.printf("   %-12s %8s %10s %8s%n", "class", "support", "precision", "recall");
        for (JsonNode c : result.path("perClass")) {
            System.out.printf(Locale.ROOT, "   %-12s %8d %9.2f%% %7.2f%%%n", c.path("name").asText(), c.path("support").asInt(),
                    100 * c.path("precision").asDouble(), 100 * c.path("recall").asDouble());
        }
    }

    private static JsonNode await(String gateway, String id, Predicate<JsonNode> condition, Duration timeout,
            String what) throws Exception {
        Instant deadline = Instant.now().plus(timeout);
        JsonNode run = null;
        while (Instant.now().isBefore(deadline)) {
            run = JSON.readTree(get(gateway + "/api/v1/runs/" + id).body());
            if (condition.test(run)) {
                return run;
            }
            Thread.sleep(250);
        }
        fail("run " + id + " not " + what + " within " + timeout.toSeconds() + " s: " + run);
        return run;
    }

}
