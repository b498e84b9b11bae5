package dev.kiln.infra.chaos;

import static dev.kiln.infra.stack.StackHttp.JSON;
import static dev.kiln.infra.stack.StackHttp.awaitJson;
import static dev.kiln.infra.stack.StackHttp.fail;
import static dev.kiln.infra.stack.StackHttp.get;
import static dev.kiln.infra.stack.StackHttp.post;

import dev.kiln.contracts.messaging.Topics;
import dev.kiln.infra.stack.StackHttp;
import dev.kiln.vision.pipeline.TrainTestData;
import dev.kiln.vision.serving.PngImages;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * {@code ./kiln chaos}: a steady workload (runs for a registered model, a study, predictions at a fixed rate,
 * manual promotions) while a seeded schedule kills ({@code kill -9}) or pauses (SIGSTOP 10-30 s) every process in
 * turn, PostgreSQL and Kafka included, and starts it again. Then it lets the work drain and checks, from
 * PostgreSQL and the topics, that nothing was lost or done twice, and prints the faults and the invariants.
 */
public final class ChaosCheck {

    private static final Duration DRAIN_TIMEOUT = Duration.ofMinutes(10);
    private static final Duration SERVE_WITHIN = Duration.ofSeconds(60);
    /** The reconciler registers a run ended 10 s before, every 15 s; the consumer's partitions move within 45 s. */
    private static final Duration REGISTER_WITHIN = Duration.ofSeconds(90);
    /** After the inference process is back, requests may still fail while its champion is loading. */
    private static final Duration INFERENCE_GRACE = Duration.ofSeconds(5);
    private static final int POISON = 2;

    private ChaosCheck() {
    }

    /** args: GATEWAY INFERENCE BOOTSTRAP JDBC_URL LAUNCHER LOG_DIR DATA_DIR SEED MINUTES COMPONENT[=HEALTH_URL]... */
    public static void main(String[] args) throws Exception {
        String gateway = args[0];
        String inference = args[1];
        String bootstrap = args[2];
        String jdbcUrl = args[3];
        Path launcher = Path.of(args[4]);
        Path logs = Path.of(args[5]);
        Path dataDir = Path.of(args[6]);
        long seed = Long.parseLong(args[7]);
        double minutes = Double.parseDouble(args[8]);
        Map<String, String> components = new LinkedHashMap<>();
        for (String component : List.of(args).subList(9, args.length)) {
            String[] parts = component.split("=", 2);
            components.put(parts[0], parts.length == 2 ? parts[1] : null);
        }
        String model = "chaos-" + seed + "-" + Instant.now().getEpochSecond();
        Instant started = Instant.now();
        System.out.printf(Locale.ROOT, "Chaos: seed %d, %.1f minutes of faults over %s; model %s%n", seed, minutes,
                components.keySet(), model);

        HttpResponse<String> policy = StackHttp.put(gateway + "/api/v1/models/" + model + "/policy",
                "{\"metric\": \"test.accuracy\", \"autoPromote\": true, \"minImprovement\": 0.0}");
        if (policy.statusCode() != 200) {
            fail("setting the policy of " + model + " failed: " + policy.statusCode() + " " + policy.body());
        }
        byte[] png = PngImages.encode(TrainTestData.load("mnist-sample", dataDir).test(), 0);
        ChaosInvariants invariants = new ChaosInvariants(jdbcUrl, bootstrap);
        try (ChaosWorkload workload = new ChaosWorkload(gateway, inference, model, seed, png)) {
            workload.submitRun();
            awaitJson(inference + "/v2/models/" + model, m -> m.path("versions").size() > 0, Duration.ofMinutes(3),
                    "a first version of " + model + " served");
            String study = submitStudy(gateway, model);
            String marker = "chaos-poison-" + seed + "-" + started.getEpochSecond();
            injectPoison(bootstrap, marker);
            System.out.println("   workload running: a run every 10 s, 4 predictions/s, a promotion every 40 s, study "
                    + study + ", " + POISON + " poison messages; faults:");

            workload.startPredictions();
            workload.startRunsAndPromotions();
            List<Fault> faults = new FaultSchedule(seed, launcher, logs.resolve("chaos-faults.log"), components)
                    .run(started.plus(Duration.ofMillis((long) (minutes * 60_000))));
            workload.stopRunsAndPromotions();
            Instant lastFault = Instant.now();

            List<String> runs = workload.acceptedRuns();
            System.out.printf("   faults over; draining %d accepted runs and the study...%n", runs.size());
            for (String run : runs) {
                awaitJson(gateway + "/api/v1/runs/" + run, r -> r.hasNonNull("finishedAt"), DRAIN_TIMEOUT, "end of run " + run);
            }
            awaitJson(gateway + "/api/v1/studies/" + study, s -> !"RUNNING".equals(s.path("status").asText()), DRAIN_TIMEOUT,
                    "end of study " + study);
            Instant drained = Instant.now();
            // Registration first: a run registered late may become the champion (auto-promotion is on).
            invariants.versions(model, REGISTER_WITHIN);
            servesChampion(invariants, gateway, inference, model, Instant.now());
            workload.close();

            invariants.runs(runs, 2);
            invariants.study(study);
            predictions(invariants, workload.predictions(), faults);
            invariants.deadLetters(started, marker, POISON);
            report(faults, invariants, workload, Duration.between(lastFault, drained));
        }
        if (!invariants.allHeld()) {
            fail("an invariant did not hold (seed " + seed + ")");
        }
    }

    /** Within a minute of the work draining, the inference service serves the registry's champion. */
    private static void servesChampion(ChaosInvariants invariants, String gateway, String inference, String model,
            Instant from) throws Exception {
        long deadline = System.nanoTime() + SERVE_WITHIN.toNanos();
        String champion = "";
        String served = "";
        while (System.nanoTime() < deadline) {
            try {
                champion = JSON.readTree(get(gateway + "/api/v1/models/" + model).body()).path("aliases")
                        .path("champion").asText();
                served = JSON.readTree(get(inference + "/v2/models/" + model).body()).path("versions").path(0)
                        .asText();
                if (champion.equals(served)) {
                    break;
                }
            } catch (IOException e) {
                // One slow or refused answer: ask again until the deadline.
            }
            Thread.sleep(500);
        }
        invariants.record("the inference service serves the registry's champion within 60 s", champion.equals(served),
                "champion v" + champion + ", served v" + served + " after "
                        + Duration.between(from, Instant.now()).toSeconds() + " s");
    }

    /** Predictions failed only while the inference process itself was down (or paused), or just after. */
    private static void predictions(ChaosInvariants invariants, List<ChaosWorkload.Prediction> predictions,
            List<Fault> faults) {
        List<Fault> inferenceDown = faults.stream().filter(f -> f.target().equals("inference")).toList();
        long failed = predictions.stream().filter(p -> !p.ok()).count();
        List<ChaosWorkload.Prediction> unexplained = predictions.stream().filter(p -> !p.ok())
                .filter(p -> inferenceDown.stream().noneMatch(f -> f.covers(p.at(), INFERENCE_GRACE))).toList();
        invariants.record("predictions fail only while the inference process is down", unexplained.isEmpty(),
                predictions.size() + " predictions, " + failed + " failed while it was down"
                        + (unexplained.isEmpty() ? "" : "; " + unexplained.size() + " failed while it was up, e.g. "
                                + unexplained.get(0)));
    }

    private static void report(List<Fault> faults, ChaosInvariants invariants, ChaosWorkload workload,
            Duration drain) {
        System.out.println();
        System.out.println("| fault | target | kind | out for |");
        System.out.println("|---|---|---|---|");
        for (int i = 0; i < faults.size(); i++) {
            Fault fault = faults.get(i);
            System.out.printf(Locale.ROOT, "| %d | %s | %s | %.1f s |%n", i + 1, fault.target(), fault.kind(),
                    fault.outage().toMillis() / 1000.0);
        }
        System.out.println();
        System.out.println("| invariant | held | figures |");
        System.out.println("|---|---|---|");
        for (ChaosInvariants.Outcome outcome : invariants.outcomes()) {
            System.out.printf("| %s | %s | %s |%n", outcome.invariant(), outcome.held() ? "yes" : "**NO**",
                    outcome.detail());
        }
        System.out.printf(Locale.ROOT, "%n%d faults; %d runs accepted, %d manual promotions; the work drained %d s"
                + " after the last fault.%n", faults.size(), workload.acceptedRuns().size(), workload.promotions(),
                drain.toSeconds());
    }

    private static String submitStudy(String gateway, String model) throws Exception {
        String study = "{\"base\": {\"dataset\": \"mnist-sample\", \"model\": \"mlp\", \"epochs\": 2,"
                + " \"validationSplit\": 0.1, \"optimizer\": \"sgd\", \"seed\": 7},"
                + " \"parameters\": [{\"name\": \"learningRate\", \"type\": \"categorical\", \"values\": [0.01, 0.03, 0.1]}],"
                + " \"algorithm\": \"grid\", \"objective\": {\"metric\": \"validation.loss\", \"direction\": \"minimize\"},"
                + " \"parallelTrials\": 2, \"experiment\": \"" + model + "-study\"}";
        HttpResponse<String> created = post(gateway + "/api/v1/studies", study);
        if (created.statusCode() != 202 && created.statusCode() != 201) {
            fail("the study was refused: " + created.statusCode() + " " + created.body());
        }
        return JSON.readTree(created.body()).path("id").asText();
    }

    /** Messages no consumer can read: they must end in the dead-letter topics, and nothing else may. */
    private static void injectPoison(String bootstrap, String marker) throws Exception {
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap), new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>(Topics.TRAIN_REQUESTS, marker, "{ not a train request " + marker)).get();
            producer.send(new ProducerRecord<>(Topics.RUN_EVENTS, marker, "{ not a run event " + marker)).get();
        }
    }



}
