package dev.kiln.infra.stack;

import static dev.kiln.infra.stack.StackHttp.JSON;
import static dev.kiln.infra.stack.StackHttp.awaitJson;
import static dev.kiln.infra.stack.StackHttp.fail;
import static dev.kiln.infra.stack.StackHttp.get;
import static dev.kiln.infra.stack.StackHttp.post;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.contracts.messaging.Topics;
import dev.kiln.infra.kafka.TopicReader;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * {@code ./kiln check-outages}: Kafka and PostgreSQL taken away from the running stack (the launcher kills them
 * with {@code kill -9} between the steps and starts them again), and a trainer stopped gracefully, and what must
 * hold meanwhile and after.
 * <ul>
 * <li>{@code kafka-submit MODEL EPOCHS}: a run of EPOCHS for MODEL, returned once two epochs are recorded (then
 * Kafka dies);</li>
 * <li>{@code kafka-down RUN SECONDS}: the run trains to its end without Kafka, at its normal epoch time, and
 * the outage lasts at least SECONDS (longer than the producers' delivery timeout);</li>
 * <li>{@code kafka-back RUN MODEL INFERENCE BOOTSTRAP}: once Kafka is back the run is registered, promoted and
 * served, and each of its events is on the topic exactly once, in order;</li>
 * <li>{@code pg-submit}: a long run training and three short runs submitted behind it;</li>
 * <li>{@code pg-down SECONDS}: while PostgreSQL is away, every gateway answer is a 503 with Retry-After;</li>
 * <li>{@code pg-back BOOTSTRAP RUN...}: every run trains to its end, the long one without a takeover, and no
 * request or event reached a dead-letter topic;</li>
 * <li>{@code handover-submit}: a long run, returned with its worker's pid once two epochs are recorded (then the
 * launcher sends that worker SIGTERM);</li>
 * <li>{@code handover-verify RUN PID STOPPED_AT_MS}: the run was handed back at once and resumed by another worker.</li>
 * </ul>
 */
public final class OutageCheck {

    private static final Duration TRAIN_TIMEOUT = Duration.ofMinutes(10);
    /** Epochs during the Kafka outage may be slower than before it by at most this factor: blocking on Kafka made
     * them tens of times slower; a shared 2-core machine makes them noisy. */
    private static final double SLOWDOWN_LIMIT = 3.0;
    private static final String LONG_RUN = "{\"dataset\": \"mnist-sample\", \"model\": \"mnist-cnn\", \"epochs\": %d,"
            + " \"batchSize\": 64, \"optimizer\": \"adam\", \"learningRate\": 0.001, \"seed\": %d}";
    private static final String SHORT_RUN = "{\"dataset\": \"mnist-sample\", \"model\": \"mlp\", \"epochs\": 1,"
            + " \"optimizer\": \"sgd\", \"learningRate\": 0.05, \"seed\": %d}";

    private OutageCheck() {
    }

    /** args: GATEWAY_URL STEP ARGS... (see the class comment) */
    public static void main(String[] args) throws Exception {
        String gateway = args[0];
        switch (args[1]) {
            case "kafka-submit" -> System.out.println(kafkaSubmit(gateway, args[2], Integer.parseInt(args[3])));
            case "kafka-down" -> kafkaDown(gateway, args[2], Integer.parseInt(args[3]));
            case "kafka-back" -> kafkaBack(gateway, args[2], args[3], args[4], args[5]);
            case "pg-submit" -> System.out.println(String.join(" ", pgSubmit(gateway)));
            case "pg-down" -> pgDown(gateway, Integer.parseInt(args[2]));
            case "pg-back" -> pgBack(gateway, args[2], Arrays.asList(args).subList(3, args.length));
            case "handover-submit" -> System.out.println(handoverSubmit(gateway));
            case "handover-verify" -> handoverVerify(gateway, args[2], args[3], Long.parseLong(args[4]));
            default -> fail("unknown step " + args[1]);
        }
    }

    private static String kafkaSubmit(String gateway, String model, int epochs) throws Exception {
        String run = submit(gateway, String.format(Locale.ROOT, LONG_RUN, epochs, 5), model);
        awaitJson(gateway + "/api/v1/runs/" + run, r -> r.path("epochsDone").asInt() >= 2, TRAIN_TIMEOUT,
                "two epochs of run " + run);
        return run;
    }

    private static void kafkaDown(String gateway, String run, int seconds) throws Exception {
        long down = System.nanoTime();
        int epochsBefore = JSON.readTree(get(gateway + "/api/v1/runs/" + run).body()).path("epochsDone").asInt();
        JsonNode finished = awaitJson(gateway + "/api/v1/runs/" + run, r -> r.hasNonNull("finishedAt"), TRAIN_TIMEOUT,
                "end of run " + run + " while Kafka is down");
        check("SUCCEEDED".equals(finished.path("status").asText()), "run " + run + " is " + finished.path("status"));
        double trainedFor = (System.nanoTime() - down) / 1e9;
        Thread.sleep(Math.max(0, (long) ((seconds - trainedFor) * 1000)));
        double before = 0;
        double during = 0;
        int epochsDuring = 0;
        for (JsonNode epoch : JSON.readTree(get(gateway + "/api/v1/runs/" + run + "/metrics").body())) {
            if (epoch.path("epoch").asInt() <= epochsBefore) {
                before += epoch.path("seconds").asDouble();
            } else {
                during += epoch.path("seconds").asDouble();
                epochsDuring++;
            }
        }
        check(epochsDuring > 0, "no epoch trained while Kafka was down");
        double ratio = (during / epochsDuring) / (before / epochsBefore);
        System.out.printf(Locale.ROOT, "   Kafka down: run %s trained %d more epochs to SUCCEEDED in %.1f s; epoch time "
                + "%.2f s before the outage, %.2f s during it (x%.2f); Kafka stayed down %.0f s%n", run, epochsDuring,
                trainedFor, before / epochsBefore, during / epochsDuring, ratio, (System.nanoTime() - down) / 1e9);
        check(ratio <= SLOWDOWN_LIMIT, "epochs without Kafka took x" + ratio + " the time of epochs with it");
    }

    private static void kafkaBack(String gateway, String run, String model, String inference, String bootstrap)
            throws Exception {
        long back = System.nanoTime();
        // The relays publish the outage's backlog first (the reconciler may have registered the run before that).
        check(TopicReader.await(bootstrap, Topics.RUN_EVENTS, r -> run.equals(r.key())
                && r.value().contains("\"type\":\"COMPLETED\""), Duration.ofMinutes(2)) != null,
                "no COMPLETED event of run " + run + " on " + Topics.RUN_EVENTS + " within 2 minutes");
        System.out.printf(Locale.ROOT, "   Kafka back: the run's events published from the outbox within %.1f s%n",
                (System.nanoTime() - back) / 1e9);
        JsonNode registered = awaitJson(gateway + "/api/v1/models/" + model,
                m -> m.path("versions").findValuesAsText("runId").contains(run), TRAIN_TIMEOUT,
                "a version of " + model + " for run " + run);
        int version = registered.path("versions").path(0).path("version").asInt();
        check(registered.path("aliases").path("champion").asInt() == version, "v" + version + " is not the champion");
        awaitJson(inference + "/v2/models/" + model, m -> m.path("versions").path(0).asText().equals("" + version),
                Duration.ofMinutes(2), "v" + version + " served");
        System.out.printf(Locale.ROOT, "   run %s registered as %s v%d, champion, served (%.1f s after Kafka was back)%n",
                run, model, version, (System.nanoTime() - back) / 1e9);
        List<JsonNode> events = new ArrayList<>();
        for (ConsumerRecord<String, String> record : TopicReader.matching(bootstrap, Topics.RUN_EVENTS,
                r -> run.equals(r.key()), Duration.ofSeconds(5))) {
            events.add(JSON.readTree(record.value()));
        }
        Map<String, Integer> counts = new TreeMap<>();
        for (JsonNode event : events) {
            String what = event.path("type").asText() + (event.has("checkpoint")
                    ? " " + event.path("checkpoint").path("kind").asText() : "")
                    + (event.has("epoch") && !"QUEUED".equals(event.path("type").asText())
                    ? " " + event.path("epoch").asInt() : "");
            counts.merge(what, 1, Integer::sum);
        }
        counts.forEach((what, count) -> check(count == 1, what + " published " + count + " times"));
        int epochs = 0;
        for (JsonNode event : events) {
            if ("EPOCH".equals(event.path("type").asText())) {
                check(event.path("epoch").asInt() == ++epochs, "EPOCH events out of order: " + counts.keySet());
            }
        }
        int trained = JSON.readTree(get(gateway + "/api/v1/runs/" + run).body()).path("epochsDone").asInt();
        check(epochs == trained, epochs + " EPOCH events for " + trained + " epochs");
        check("COMPLETED".equals(events.get(events.size() - 1).path("type").asText()), "COMPLETED is not the last event");
        System.out.printf("   %d events of run %s on %s, each exactly once, in order, COMPLETED last%n", events.size(),
                run, Topics.RUN_EVENTS);
    }

    private static List<String> pgSubmit(String gateway) throws Exception {
        List<String> runs = new ArrayList<>();
        runs.add(submit(gateway, String.format(Locale.ROOT, LONG_RUN, 10, 1), null));
        awaitJson(gateway + "/api/v1/runs/" + runs.get(0), r -> r.path("epochsDone").asInt() >= 1, TRAIN_TIMEOUT,
                "an epoch of run " + runs.get(0));
        for (int seed = 1; seed <= 3; seed++) {
            runs.add(submit(gateway, String.format(Locale.ROOT, SHORT_RUN, seed), null));
        }
        return runs;
    }

    private static void pgDown(String gateway, int seconds) throws Exception {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        Map<String, Integer> answers = new TreeMap<>();
        List<String> wrong = new ArrayList<>();
        while (System.nanoTime() < deadline) {
            for (HttpResponse<String> response : List.of(
                    post(gateway + "/api/v1/runs", "{\"spec\": " + String.format(Locale.ROOT, SHORT_RUN, 9) + "}"),
                    get(gateway + "/api/v1/runs?limit=5"),
                    get(gateway + "/api/v1/models"))) {
                String answer = response.request().method() + " " + response.statusCode()
                        + (response.headers().firstValue("Retry-After").isPresent() ? " Retry-After" : "");
                answers.merge(answer, 1, Integer::sum);
                if (response.statusCode() != 503 || response.headers().firstValue("Retry-After").isEmpty()) {
                    wrong.add(answer + " " + response.uri() + ": " + response.body());
                }
            }
            Thread.sleep(1000);
        }
        System.out.println("   PostgreSQL down " + seconds + " s; the gateway answered " + answers);
        check(wrong.isEmpty(), "answers other than 503 with Retry-After: " + wrong.subList(0, Math.min(3, wrong.size())));
    }

    private static void pgBack(String gateway, String bootstrap, List<String> runs) throws Exception {
        long back = System.nanoTime();
        for (String run : runs) {
            JsonNode finished = awaitJson(gateway + "/api/v1/runs/" + run, r -> r.hasNonNull("finishedAt"),
                    TRAIN_TIMEOUT, "end of run " + run);
            check("SUCCEEDED".equals(finished.path("status").asText()), "run " + run + " is " + finished.path("status")
                    + ": " + finished.path("failureReason").asText());
        }
        System.out.printf(Locale.ROOT, "   PostgreSQL back: all %d runs SUCCEEDED within %.0f s%n", runs.size(),
                (System.nanoTime() - back) / 1e9);
        String training = runs.get(0);
        long claims = TopicReader.count(bootstrap, Topics.RUN_EVENTS,
                r -> training.equals(r.key()) && r.value().contains("\"type\":\"CLAIMED\""), Duration.ofSeconds(3));
        check(claims == 1, "run " + training + " was claimed " + claims + " times: taken over during the outage");
        for (String topic : List.of(Topics.TRAIN_REQUESTS_DLQ, Topics.RUN_EVENTS_DLQ)) {
            long dead = TopicReader.count(bootstrap, topic, r -> runs.stream().anyMatch(r.value()::contains),
                    Duration.ofSeconds(3));
            check(dead == 0, dead + " messages of these runs in " + topic);
        }
        System.out.println("   the training run went on without a takeover; no dead letters");
    }

    /** A long run, once two epochs are recorded: "RUN WORKER_PID" (the launcher then stops that worker). */
    private static String handoverSubmit(String gateway) throws Exception {
        String run = submit(gateway, String.format(Locale.ROOT, LONG_RUN, 8, 7), null);
        JsonNode training = awaitJson(gateway + "/api/v1/runs/" + run, r -> r.path("epochsDone").asInt() >= 2,
                TRAIN_TIMEOUT, "two epochs of run " + run);
        String worker = training.path("worker").asText();
        return run + " " + worker.substring(worker.indexOf('-') + 1, worker.indexOf('@'));
    }

    /**
     * The stopped worker gave the run back at once: another worker resumed it from the checkpoint the stopped one
     * left, well before the lease would have let it, and it trained to its end with every epoch recorded once.
     *
     * @param stoppedAt when the launcher sent SIGTERM, in epoch milliseconds
     */
    private static void handoverVerify(String gateway, String run, String stoppedWorkerPid, long stoppedAt)
            throws Exception {
        JsonNode finished = awaitJson(gateway + "/api/v1/runs/" + run, r -> r.hasNonNull("finishedAt"), TRAIN_TIMEOUT,
                "end of run " + run);
        check("SUCCEEDED".equals(finished.path("status").asText()), "run " + run + " is " + finished.path("status"));
        String worker = finished.path("worker").asText();
        check(!worker.contains("-" + stoppedWorkerPid + "@"), "run " + run + " finished on the stopped worker " + worker);
        double resumedAfter = (Instant.parse(finished.path("claimedAt").asText()).toEpochMilli() - stoppedAt)
                / 1000.0;
        List<Integer> epochs = new ArrayList<>();
        for (JsonNode epoch : JSON.readTree(get(gateway + "/api/v1/runs/" + run + "/metrics").body())) {
            epochs.add(epoch.path("epoch").asInt());
        }
        check(epochs.equals(List.of(1, 2, 3, 4, 5, 6, 7, 8)), "epochs recorded: " + epochs);
        System.out.printf(Locale.ROOT, "   SIGTERM: the worker handed run %s back; %s claimed it %.1f s later (the lease"
                + " is 30 s), resumed it and trained it to SUCCEEDED, epochs %s each recorded once%n", run, worker,
                resumedAfter, epochs);
        check(resumedAfter < 30, "the run waited " + resumedAfter + " s: as long as the lease, not handed back");
    }

    private static String submit(String gateway, String spec, String model) throws Exception {
        HttpResponse<String> created = post(gateway + "/api/v1/runs", "{\"spec\": " + spec
                + (model == null ? "" : ", \"registeredModel\": \"" + model + "\"") + "}");
        check(created.statusCode() == 202, "the gateway answered " + created.statusCode() + ": " + created.body());
        return JSON.readTree(created.body()).path("id").asText();
    }

    private static void check(boolean condition, String problem) {
        if (!condition) {
            fail(problem);
        }
    }
}
