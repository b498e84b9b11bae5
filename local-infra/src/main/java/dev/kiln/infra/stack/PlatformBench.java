package dev.kiln.infra.stack;

import static dev.kiln.infra.stack.StackHttp.JSON;
import static dev.kiln.infra.stack.StackHttp.fail;
import static dev.kiln.infra.stack.StackHttp.post;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.contracts.messaging.Json;
import dev.kiln.contracts.runs.TrainingSpec;
import dev.kiln.vision.bench.BenchStatistics;
import dev.kiln.vision.pipeline.TrainTestData;
import dev.kiln.vision.training.ClassifierTraining;
import dev.kiln.vision.training.TrainingResult;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code ./kiln bench platform}: what the platform costs a training run. The same spec is trained here, by the
 * loop {@code ./kiln train} runs (load the data set from the local cache, train, evaluate on the test set), and as
 * a run through the gateway, the outbox, Kafka, a trainer worker, PostgreSQL and the artifact store, from the POST
 * to SUCCEEDED by the store's own clock (createdAt to finishedAt). Rounds are paired, one of each back to back,
 * after an uncounted warm-up pair; the overhead is the median of the rounds' ratios, minus one. A trainer keeps the
 * data sets it has loaded (its {@code DataCache}), while {@code ./kiln train} reads and unpacks its data set every
 * time, so the local side's load is timed apart too, and a second ratio leaves it out: the platform against the
 * training alone.
 * A measurement, never a test.
 */
public final class PlatformBench {

    private static final String DEFAULT_SPEC = """
            {"dataset": "fashion-mnist", "model": "mnist-cnn", "epochs": 2, "batchSize": 64, "seed": 42}""";
    private static final Duration RUN_TIMEOUT = Duration.ofMinutes(30);

    private PlatformBench() {
    }

    /** One round: seconds in this process, and the run's seconds with where they went. */
    private record Round(Local local, double platform, double queued, double starting, double training) {
        double ratio() {
            return platform / local.seconds();
        }

        double ratioWithoutLoad() {
            return platform / (local.seconds() - local.loadSeconds());
        }
    }

    /** What {@code ./kiln train} took, and the part of it that loaded the data set. */
    private record Local(double seconds, double loadSeconds) {
    }

    /** args: GATEWAY_URL DATA_DIR [ROUNDS] [--json] */
    public static void main(String[] args) throws Exception {
        String gateway = args[0];
        Path dataDir = Path.of(args[1]);
        List<String> options = List.of(args).subList(2, args.length);
        boolean json = options.contains("--json");
        // ./kiln has checked ROUNDS; it may come before or after --json.
        int rounds = options.stream().filter(option -> !option.equals("--json")).findFirst().map(Integer::parseInt)
                .orElse(3);
        if (rounds < 1) {
            fail("ROUNDS must be at least 1, got " + rounds);
        }
        TrainingSpec spec = Json.read(DEFAULT_SPEC, TrainingSpec.class);
        if (!json) {
            System.out.printf("Training %s here and through the platform, %d paired rounds after a warm-up...%n",
                    DEFAULT_SPEC.strip(), rounds);
        }
        List<Round> measured = new ArrayList<>();
        for (int round = 0; round <= rounds; round++) {
            Local local = trainHere(spec, dataDir);
            Round result = trainOnPlatform(gateway, spec, local);
            if (round == 0) {
                continue;
            }
            measured.add(result);
            if (!json) {
                System.out.printf(Locale.ROOT, "round %d: here %.2f s (loading the data set %.2f), platform %.2f s"
                        + " (queued %.2f, claimed to training %.2f, training and evaluation %.2f), ratio %.3f,"
                        + " without the load %.3f%n", round, result.local().seconds(), result.local().loadSeconds(),
                        result.platform(), result.queued(), result.starting(), result.training(), result.ratio(),
                        result.ratioWithoutLoad());
            }
        }
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("bench", "platform");
        report.put("spec", JSON.readTree(DEFAULT_SPEC));
        report.put("rounds", rounds);
        report.put("localSeconds", BenchStatistics.median(measured.stream().map(r -> r.local().seconds()).toList()));
        report.put("localLoadSeconds",
                BenchStatistics.median(measured.stream().map(r -> r.local().loadSeconds()).toList()));
        report.put("platformSeconds", BenchStatistics.median(measured.stream().map(Round::platform).toList()));
        report.put("queuedSeconds", BenchStatistics.median(measured.stream().map(Round::queued).toList()));
        BenchStatistics.putMedianAndRange(report, "ratio", measured.stream().map(Round::ratio).toList());
        double ratio = (double) report.get("ratio");
        report.put("overhead", ratio - 1);
        BenchStatistics.putMedianAndRange(report, "ratioWithoutLoad",
                measured.stream().map(Round::ratioWithoutLoad).toList());
        if (json) {
            System.out.println(Json.write(report));
        } else {
            System.out.printf(Locale.ROOT, "%nmedian of %d rounds: here %.2f s, through the platform %.2f s: ratio %.3f"
                    + " (%.3f to %.3f), platform overhead %+.1f%%; without loading the data set here (%.2f s),"
                    + " ratio %.3f (%.3f to %.3f)%n", rounds, report.get("localSeconds"),
                    report.get("platformSeconds"), ratio, report.get("ratioMin"), report.get("ratioMax"),
                    100 * (ratio - 1), report.get("localLoadSeconds"), report.get("ratioWithoutLoad"),
                    report.get("ratioWithoutLoadMin"), report.get("ratioWithoutLoadMax"));
        }
    }

    /** What {@code ./kiln train} does with the spec: load the data set, train, evaluate. */
    private static Local trainHere(TrainingSpec spec, Path dataDir) throws Exception {
        long start = System.nanoTime();
        TrainTestData data = TrainTestData.load(spec.datasetName(), dataDir);
        long loaded = System.nanoTime();
        TrainingResult result = new ClassifierTraining(spec, data, Device.cpu()).run();
        if (!result.succeeded()) {
            fail("the local training ended " + result.outcome() + ": " + result.reason());
        }
        return new Local((System.nanoTime() - start) / 1e9, (loaded - start) / 1e9);
    }

    private static Round trainOnPlatform(String gateway, TrainingSpec spec, Local local) throws Exception {
        ObjectNode request = JSON.createObjectNode();
        request.put("experiment", "bench-platform");
        request.set("spec", JSON.readTree(Json.write(spec)));
        HttpResponse<String> accepted = post(gateway + "/api/v1/runs", JSON.writeValueAsString(request));
        if (accepted.statusCode() != 202) {
            fail("the gateway answered " + accepted.statusCode() + ": " + accepted.body());
        }
        String id = JSON.readTree(accepted.body()).path("id").asText();
        JsonNode run = StackHttp.awaitJson(gateway + "/api/v1/runs/" + id,
                body -> List.of("SUCCEEDED", "FAILED", "CANCELLED").contains(body.path("status").asText()), RUN_TIMEOUT,
                "run " + id + " to end");
        if (!"SUCCEEDED".equals(run.path("status").asText())) {
            fail("run " + id + " ended " + run.path("status").asText() + ": " + run.path("error"));
        }
        Instant created = instant(run, "createdAt");
        Instant claimed = instant(run, "claimedAt");
        Instant started = instant(run, "startedAt");
        Instant finished = instant(run, "finishedAt");
        return new Round(local, seconds(created, finished), seconds(created, claimed), seconds(claimed, started),
                seconds(started, finished));
    }

    private static Instant instant(JsonNode run, String field) {
        return Instant.parse(run.path(field).asText());
    }

    private static double seconds(Instant from, Instant to) {
        return Duration.between(from, to).toNanos() / 1e9;
    }
}
