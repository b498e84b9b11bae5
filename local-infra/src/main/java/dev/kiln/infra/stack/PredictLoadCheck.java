package dev.kiln.infra.stack;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.infra.postgres.LocalPostgres;
import dev.kiln.vision.checkpoints.Checkpoint;
import dev.kiln.vision.checkpoints.EvalTransform;
import dev.kiln.vision.datasets.ImageSet;
import dev.kiln.vision.engine.DjlRuntime;
import dev.kiln.vision.pipeline.TrainTestData;
import dev.kiln.vision.serving.Classifier;
import dev.kiln.vision.serving.ForwardEngine;
import dev.kiln.vision.serving.ImageDecodeException;
import dev.kiln.vision.serving.ImageInputs;
import dev.kiln.vision.serving.PngImages;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * {@code ./kiln bench predict}: the served model under load from wrk (a second process), next to the same
 * model's in-process predictor measured in this run: single images in rounds, each between two measures of it, and
 * multipart batches between the last of those and one more (the machine drifts; each ratio is against the measures
 * beside it), then single images at a fixed rate for latency, then promotions while wrk keeps predicting.
 * Single images are also set against the machine's ceiling for them: a bare HTTP server's cost a request
 * ({@link BareHttp}) with the in-process predictor's cost an image on top. From the warm-up to the end the service
 * gets the probes and scrapes a deployed replica gets ({@link ReplicaProbes}).
 * Prints numbers for people (BENCHMARKS.md), or with {@code --json} one JSON line for {@code ./kiln bench all}
 * ({@link BenchResults}); nothing here is a timed test.
 */
public final class PredictLoadCheck {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = StackHttp.client(Duration.ofSeconds(5));
    private static final int IMAGES = 512;
    private static final int BATCH = 32;
    private static final String BOUNDARY = "kiln-bench-boundary";
    // The latency target: p99 under 10 ms at 200 single-image requests a second.
    private static final int PACED_RATE = 200;
    private static final int PACED_CONNECTIONS = 4;
    private static final Duration PACED_WARMUP = Duration.ofSeconds(5);
    private static final Duration WARMUP_WINDOW = Duration.ofSeconds(10);
    private static final Duration WARMUP_LIMIT = Duration.ofMinutes(6);
    /** The share of the machine's CPU the service's JIT compiler may still take in a warm-up round. */
    private static final double SETTLED_COMPILER_SHARE = 0.05;
    /** The most a warm-up round's single-image rate may gain on the round before once the service has settled. */
    private static final double SETTLED_RATE_GAIN = 0.03;
    /** How far under the best warm-up round a settled round's single-image rate may be. */
    private static final double SETTLED_SHORT_OF_BEST = 0.10;
    /** {@code /proc}'s clock ticks a second ({@code USER_HZ}, 100 on Linux). */
    static final double CLOCK_TICKS_PER_SECOND = 100;
    private static final Duration PACED_WINDOW = Duration.ofSeconds(30);
    /** Rounds of single images, each between two measures of the in-process predictor. */
    private static final int SINGLE_ROUNDS = 3;
    /** A line of the inference service's counter of logged predictions, by outcome, in /q/metrics. */
    private static final Pattern PREDICTION_LOG_TOTAL = Pattern.compile(
            "^kiln_inference_prediction_log_total\\{outcome=\"(\\w+)\",?} ([0-9.E+]+)$", Pattern.MULTILINE);

    private PredictLoadCheck() {
    }

    /**
     * args: GATEWAY_URL INFERENCE_URL JDBC_URL DATA_DIR INFERENCE_PID MODEL [SECONDS [CONNECTIONS [PROMOTIONS]]]
     * [--json]; PROMOTIONS 0 skips the swaps.
     */
    public static void main(String[] args) throws Exception {
        boolean json = List.of(args).contains("--json");
        List<String> arguments = Stream.of(args).filter(arg -> !arg.equals("--json")).toList();
        // With --json, standard output carries the JSON line alone; what people read goes to standard error.
        PrintStream out = json ? System.err : System.out;
        String gateway = arguments.get(0);
        String inference = arguments.get(1);
        String jdbcUrl = arguments.get(2);
        Path dataDir = Path.of(arguments.get(3));
        long inferencePid = Long.parseLong(arguments.get(4));
        String model = arguments.get(5);
        int seconds = arguments.size() > 6 ? Integer.parseInt(arguments.get(6)) : 20;
        int connections = arguments.size() > 7 ? Integer.parseInt(arguments.get(7)) : 16;
        int promotions = arguments.size() > 8 ? Integer.parseInt(arguments.get(8)) : 100;

        List<Integer> versions = versions(jdbcUrl, model);
        if (versions.size() < 2) {
            trainTwoVersions(gateway, model, out);
            versions = versions(jdbcUrl, model);
        }
        int champion = champion(jdbcUrl, model);
        Checkpoint checkpoint = Checkpoint.fromBytes(checkpointOf(gateway, jdbcUrl, model, champion)).forInference();
        ImageSet test = TrainTestData.load(checkpoint.manifest().spec().datasetName(), dataDir).test();
        List<byte[]> pngs = new ArrayList<>();
        for (int i = 0; i < Math.min(IMAGES, test.size()); i++) {
            pngs.add(PngImages.encode(test, i));
        }
        ForwardEngine engine = servedEngine(inference, model);
        out.printf(Locale.ROOT, "Model %s v%d (%s on %s, passes on %s), %d held-out test images as PNG, %d cores%n",
                model, champion, checkpoint.manifest().model(), checkpoint.manifest().spec().dataset(), engine,
                pngs.size(), Runtime.getRuntime().availableProcessors());

        // The kubelet's probes and a Prometheus scrape from here to the end, as a deployed replica gets them (the
        // in-process measures and the ceiling run beside them too): the warm-up then compiles the request path for GETs
        // as well, and the measured rounds pay no deoptimisation for them.
        ReplicaProbes probes = ReplicaProbes.start(inference, ReplicaProbes.DEPLOYED);
        out.printf(Locale.ROOT, "Probing the service throughout, as Kubernetes and Prometheus would: %s%n",
                ReplicaProbes.describe(ReplicaProbes.DEPLOYED));
        // In no ratio: it compiles this JVM's side before the measures that count, and it shows the predictor on a
        // machine that has not served yet, beside the measures taken right after load.
        double inProcessBefore = inProcessImagesPerSecond(checkpoint, engine, pngs, seconds);
        out.printf(Locale.ROOT, "1. In-process predictor (PNG decode + normalise + forward on %s, batches of %d, one"
                + " thread), before any load (in no ratio): %,.0f images/s%n", engine, BATCH, inProcessBefore);

        String predict = inference + "/api/v1/models/" + model + "/predict";
        // wrk reads the bodies from files: one folder, rewritten by every run (a fresh one each run had left 2.3 MB
        // behind every time).
        Path bodies = Path.of(System.getProperty("java.io.tmpdir"), "kiln-bench-predict");
        List<Path> singles = Wrk.files(bodies.resolve("single"), pngs);
        List<byte[]> forms = new ArrayList<>();
        for (int at = 0; at + BATCH <= pngs.size(); at += BATCH) {
            List<String> names = new ArrayList<>();
            for (int i = at; i < at + BATCH; i++) {
                names.add("test-" + i + ".png");
            }
            forms.add(PngForms.multipart(BOUNDARY, pngs.subList(at, at + BATCH), names));
        }
        List<Path> batches = Wrk.files(bodies.resolve("batch"), forms);

        // Unmeasured load first: a freshly started service compiles its request path for minutes on 2 cores (its
        // JIT compiler took a fifth of the CPU 3 minutes in), and a 20 s window would measure that instead of serving.
        int batchConnections = Math.max(2, connections / 4);
        WarmUp warmUp = warmUp(inferencePid, predict, singles, batches, connections, batchConnections);
        out.printf(Locale.ROOT, "   warmed the service up, not measured, until its JIT compiler took under %.0f%% of the"
                        + " CPU in a round of %d s single PNGs and %d s multipart and the single-image rate gained under"
                        + " %.0f%% on the round before, %.0f%% short of the best round at most: %d s (the compiler %.1f%%"
                        + " in the last round; single requests/s by round: %s)%s%n",
                100 * SETTLED_COMPILER_SHARE, WARMUP_WINDOW.toSeconds(), WARMUP_WINDOW.toSeconds(),
                100 * SETTLED_RATE_GAIN, 100 * SETTLED_SHORT_OF_BEST, warmUp.spent().toSeconds(),
                100 * warmUp.compilerShare(), warmUp.singleRates().stream()
                        .map(rate -> String.format(Locale.ROOT, "%,.0f", rate)).collect(Collectors.joining(", ")),
                warmUp.settled() ? "" : "; not settled within " + WARMUP_LIMIT.toMinutes() + " minutes");
        // Single images in rounds, each between two measures of the in-process predictor: the host drifts by a fifth
        // within minutes (15,939 images/s before a run's load and 12,643 after it), and a reference minutes away from
        // its rate carries that into the ratio.
        Map<String, Long> logBefore = predictionLogCounts(inference);
        int roundSeconds = Math.max(1, seconds / 2);
        out.printf(Locale.ROOT, "2. HTTP, one PNG per request, wrk with %d connections, in %d rounds of %d s, each"
                + " between two %d s measures of the in-process predictor:%n", connections, SINGLE_ROUNDS, roundSeconds,
                roundSeconds);
        List<Double> references = new ArrayList<>();
        List<Wrk.Result> singleRounds = new ArrayList<>();
        // The service's own CPU while the measures ran: a service still busy after a round would slow the measure
        // beside it and raise the ratio.
        double referencesServiceCpu = 0;
        double referencesSeconds = 0;
        for (int round = 0; round <= SINGLE_ROUNDS; round++) {
            Wrk.Result single = null;
            if (round > 0) {
                single = Wrk.post(predict, singles, "image/png", connections, Duration.ofSeconds(roundSeconds));
                singleRounds.add(single);
            }
            double serviceCpuBefore = processCpuSeconds(inferencePid);
            long started = System.nanoTime();
            references.add(inProcessImagesPerSecond(checkpoint, engine, pngs, roundSeconds));
            referencesServiceCpu += processCpuSeconds(inferencePid) - serviceCpuBefore;
            referencesSeconds += (System.nanoTime() - started) / 1e9;
            if (single == null) {
                out.printf(Locale.ROOT, "   the in-process predictor first: %,.0f images/s%n", references.get(0));
            } else {
                out.printf(Locale.ROOT, "   round %d: %,d requests, %,.0f images/s, latency p50 %.1f ms, p99 %.1f ms, %d"
                                + " failed; the in-process predictor after it %,.0f images/s: %.0f%% of the two beside"
                                + " it%n", round, single.requests(), single.requestsPerSecond(), single.p50Millis(),
                        single.p99Millis(), single.failed(), references.get(round), 100 * NeighbourRatios.ratio(
                                single.requestsPerSecond(), references.get(round - 1), references.get(round)));
            }
        }
        NeighbourRatios singleRatios = new NeighbourRatios(references,
                singleRounds.stream().map(Wrk.Result::requestsPerSecond).toList());
        long singleRequests = singleRounds.stream().mapToLong(Wrk.Result::requests).sum();
        double singleImages = singleRequests / singleRounds.stream().mapToDouble(Wrk.Result::seconds).sum();
        long singleFailed = singleRounds.stream().mapToLong(Wrk.Result::failed).sum();
        double singleP99 = singleRounds.stream().mapToDouble(Wrk.Result::p99Millis).max().orElseThrow();
        double serviceCoresBesideReferences = referencesServiceCpu / referencesSeconds;
        out.printf(Locale.ROOT, "   in all: %,d requests, %,.0f images/s, the worst round's p99 %.1f ms, %d failed; one"
                + " PNG per request %.0f%% of the in-process predictor (the median of the rounds' ratios; %.0f to"
                + " %.0f%%); the service took %.1f%% of a core while the in-process predictor was measured%n",
                singleRequests, singleImages, singleP99, singleFailed, 100 * singleRatios.median(),
                100 * singleRatios.min(), 100 * singleRatios.max(), 100 * serviceCoresBesideReferences);
        Map<String, Long> logged = new LinkedHashMap<>(predictionLogCounts(inference));
        logged.replaceAll((outcome, count) -> count - logBefore.getOrDefault(outcome, 0L));
        out.printf(Locale.ROOT, "   the prediction log meanwhile (kiln.inference.prediction-log.*, as the service"
                + " runs): %s%n", logged);
        HttpResponse<byte[]> answered = HTTP.send(StackHttp.request(predict).header("Content-Type", "image/png")
                .POST(HttpRequest.BodyPublishers.ofByteArray(pngs.get(0))).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        if (answered.statusCode() != 200) {
            throw new IllegalStateException("predict answered " + answered.statusCode() + ": "
                    + new String(answered.body(), StandardCharsets.UTF_8));
        }
        byte[] answer = answered.body();
        BareHttp.Ceiling bare = BareHttp.measure(answer, singles, "image/png", connections, Duration.ofSeconds(seconds));
        out.printf(Locale.ROOT, "   the machine's HTTP ceiling: a bare Vert.x server in this JVM, reading each PNG and"
                        + " answering the service's %d-byte answer to the first, nothing else, took %,.0f requests/s"
                        + " from the same wrk (%d failed), %.0f us of the machine's CPU a request (wrk and the kernel"
                        + " included)%n", answer.length, bare.requestsPerSecond(), bare.failed(),
                bare.cpuMicrosPerRequest());
        Wrk.Result batched = Wrk.post(predict, batches, PngForms.contentType(BOUNDARY), batchConnections,
                Duration.ofSeconds(seconds));
        report(out, "3. HTTP, " + BATCH + " PNGs per request (multipart)", batched, BATCH, batchConnections);
        KernelThreads.Sample kernelBefore = KernelThreads.sample();
        long pacedStarted = System.nanoTime();
        Wrk.Paced paced = Wrk.paced(predict, singles, "image/png", PACED_RATE, PACED_CONNECTIONS, PACED_WARMUP,
                PACED_WINDOW);
        double pacedSeconds = (System.nanoTime() - pacedStarted) / 1e9;
        List<Map.Entry<String, Long>> kernelThreads = KernelThreads.sample().since(kernelBefore);
        out.printf(Locale.ROOT, "4. HTTP, one PNG per request at %d requests/s (%d connections, %d s after a %d s"
                        + " warm-up, latency from each request's scheduled send): %,d requests, latency p50 %.1f ms,"
                        + " p99 %.1f ms, max %.1f ms, %d sent late, %d failed%n", PACED_RATE, PACED_CONNECTIONS,
                PACED_WINDOW.toSeconds(), PACED_WARMUP.toSeconds(), paced.scheduled(), paced.p50Millis(),
                paced.p99Millis(), paced.maxMillis(), paced.late(), paced.failed());
        double kernelMillis = kernelThreads.stream().mapToLong(Map.Entry::getValue).sum() / 1e6;
        if (!kernelThreads.isEmpty()) {
            // A kernel thread that takes a core in bursts stalls whatever waits on that core (BENCHMARKS.md, "Serving").
            out.printf(Locale.ROOT, "   the kernel's own threads meanwhile (wrk's %.0f s): %,.0f ms of CPU, the busiest"
                            + " %s with %,.0f ms (%.1f%% of a core)%n", pacedSeconds, kernelMillis,
                    kernelThreads.get(0).getKey(), kernelThreads.get(0).getValue() / 1e6,
                    kernelThreads.get(0).getValue() / 1e7 / pacedSeconds);
        }

        double inProcessAfter = inProcessImagesPerSecond(checkpoint, engine, pngs, seconds);
        // Multipart against the in-process measures nearest it: the last beside the single images (before the ceiling's
        // run) and this one (after the latency phase).
        double lastBesideSingle = references.get(SINGLE_ROUNDS);
        double batchImages = batched.requestsPerSecond() * BATCH;
        out.printf(Locale.ROOT, "5. In-process predictor again: %,.0f images/s. Against its mean with the last measure"
                + " beside the single images (%,.0f images/s): %d PNGs per request %.0f%%%n", inProcessAfter,
                NeighbourRatios.mean(lastBesideSingle, inProcessAfter), BATCH,
                100 * NeighbourRatios.ratio(batchImages, lastBesideSingle, inProcessAfter));
        int cores = Runtime.getRuntime().availableProcessors();
        double inProcess = singleRatios.referenceMean();
        double ceiling = bare.imagesPerSecond(cores, 1e6 / inProcess);
        out.printf(Locale.ROOT, "   the ceiling for one PNG per request on %d cores: the bare server's %.0f us a request"
                        + " and the in-process predictor's %.0f us an image (in passes of %d, its mean beside the"
                        + " single images) allow at most %,.0f images/s, %.0f%% of the in-process predictor; the"
                        + " service reached %.0f%% of that ceiling%n", cores,
                bare.cpuMicrosPerRequest(), 1e6 / inProcess, BATCH, ceiling, 100 * ceiling / inProcess,
                100 * singleImages / ceiling);

        Map<String, Object> results = new LinkedHashMap<>();
        results.put("bench", "predict");
        results.put("model", checkpoint.manifest().model());
        results.put("forwardEngine", engine.name());
        results.put("seconds", seconds);
        results.put("connections", connections);
        results.put("warmupSeconds", warmUp.spent().toSeconds());
        results.put("warmupCompilerShare", warmUp.compilerShare());
        results.put("warmupSingleRates", warmUp.singleRates());
        results.put("inProcessImagesPerSecond", inProcess);
        results.put("inProcessBefore", inProcessBefore);
        results.put("inProcessBesideSingle", singleRatios.references());
        results.put("inProcessAfter", inProcessAfter);
        results.put("singleImagesPerSecond", singleImages);
        results.put("singleRoundRatios", singleRatios.ratios());
        results.put("singleRatio", singleRatios.median());
        results.put("singleRatioMin", singleRatios.min());
        results.put("singleRatioMax", singleRatios.max());
        results.put("singleP99Millis", singleP99); // the worst round's
        results.put("serviceCoresBesideReferences", serviceCoresBesideReferences);
        results.put("bareHttpRequestsPerSecond", bare.requestsPerSecond());
        results.put("bareHttpCpuMicrosPerRequest", bare.cpuMicrosPerRequest());
        results.put("bareHttpFailed", bare.failed());
        results.put("singleCeilingImagesPerSecond", ceiling);
        results.put("singleOfCeiling", singleImages / ceiling);
        results.put("singlePredictionLog", logged);
        putRatio(results, "batch", batchImages, lastBesideSingle, inProcessAfter);
        results.put("batchP99Millis", batched.p99Millis());
        Map<String, Object> pacedResults = new LinkedHashMap<>();
        pacedResults.put("requestsPerSecond", PACED_RATE);
        pacedResults.put("requests", paced.scheduled());
        pacedResults.put("p50Millis", paced.p50Millis());
        pacedResults.put("p99Millis", paced.p99Millis());
        pacedResults.put("maxMillis", paced.maxMillis());
        pacedResults.put("late", paced.late());
        pacedResults.put("failed", paced.failed());
        pacedResults.put("kernelThreadsCpuMillis", kernelMillis);
        if (!kernelThreads.isEmpty()) {
            pacedResults.put("busiestKernelThread", kernelThreads.get(0).getKey());
            pacedResults.put("busiestKernelThreadCpuMillis", kernelThreads.get(0).getValue() / 1e6);
        }
        results.put("paced", pacedResults);
        results.put("failed", singleFailed + batched.failed() + paced.failed());

        Wrk.Result swapping = null;
        if (promotions == 0) {
            out.println("6. Swaps under load skipped: PROMOTIONS 0");
        } else if (versions.size() < 2) {
            out.println("6. Swaps under load skipped: the model needs two versions");
        } else {
            swapping = swapUnderLoad(out, gateway, inference, model, inferencePid, predict, singles, connections,
                    versions.get(0), versions.get(1), champion, promotions);
            results.put("promotions", promotions);
            results.put("swapFailed", swapping.failed());
        }
        probes.close();
        ReplicaProbes.Tally probed = probes.tally();
        out.printf(Locale.ROOT, "   the probes: %,d answered, %d failed%s, the slowest response %.0f ms%n",
                probed.answered(), probed.failed(), probed.failed() > 0 ? " (a kubelet marks a replica unready at 3 in"
                        + " a row)" : "", probed.slowestMillis());
        results.put("probesAnswered", probed.answered());
        results.put("probesFailed", probed.failed());
        results.put("probesSlowestMillis", probed.slowestMillis());
        if (json) {
            System.out.println(JSON.writeValueAsString(results));
        }
        if (swapping != null && swapping.failed() > 0) {
            System.err.println("FAILED: " + swapping.failed() + " requests failed during the swaps:\n" + swapping.output());
            System.exit(1);
        }
    }

    /** The two versions promoted in turn while wrk keeps posting single images; what wrk measured meanwhile. */
    private static Wrk.Result swapUnderLoad(PrintStream out, String gateway, String inference, String model,
            long inferencePid, String predict, List<Path> singles, int connections, int first, int second,
            int champion, int promotions) throws Exception {
        // wrk runs for a fixed time: long enough for the promotions (0.6 s each on average under this load on 2 cores,
        // 1.3 s before the outbox relays locked per topic; BENCHMARKS.md) with room to spare.
        Duration window = Duration.ofSeconds(20 + 3L * promotions);
        CompletableFuture<Wrk.Result> hammering = CompletableFuture.supplyAsync(() -> {
            try {
                return Wrk.post(predict, singles, "image/png", connections, window);
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(2000);
        List<Long> rss = new ArrayList<>(List.of(residentKb(inferencePid)));
        long swapsStarted = System.nanoTime();
        for (int i = 1; i <= promotions; i++) {
            int target = i % 2 == 1 ? (champion == first ? second : first) : champion;
            promote(gateway, model, target);
            awaitServed(inference, model, target);
            if (i % 10 == 0) {
                rss.add(residentKb(inferencePid));
            }
        }
        double swapSeconds = (System.nanoTime() - swapsStarted) / 1e9;
        if (hammering.isDone()) {
            throw new IllegalStateException("the promotions outlasted the load window of " + window.toSeconds() + " s");
        }
        Wrk.Result swapping = hammering.get();
        report(out, "6. HTTP while " + promotions + " promotions (v" + first + " and v" + second + " alternating) ran",
                swapping, 1, connections);
        out.printf(Locale.ROOT, "   %d promotions in %.1f s: %.0f ms from POST .../promote to the replica"
                + " answering with the version, on average%n", promotions, swapSeconds, 1000 * swapSeconds / promotions);
        out.println("   inference resident memory (MiB) before and after every 10 promotions: "
                + rss.stream().map(kb -> String.valueOf(kb / 1024)).toList());
        return swapping;
    }

    /** Two short trainings through the platform, registered as versions of the model (a minute on 2 cores). */
    private static void trainTwoVersions(String gateway, String model, PrintStream out) throws Exception {
        out.println("Training two versions of " + model + " through the platform (mnist-sample, cifar-cnn,"
                + " 2 epochs each)...");
        List<String> runs = new ArrayList<>();
        for (long seed = 1; seed <= 2; seed++) {
            String body = "{\"registeredModel\": \"" + model + "\", \"spec\": {\"dataset\": \"mnist-sample\","
                    + " \"model\": \"cifar-cnn\", \"epochs\": 2, \"batchSize\": 32, \"optimizer\": \"adam\","
                    + " \"learningRate\": 0.002, \"seed\": " + seed + "}}";
            HttpResponse<String> response = HTTP.send(StackHttp.request(gateway + "/api/v1/runs")
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 202) {
                throw new IllegalStateException("the gateway answered " + response.statusCode() + ": " + response.body());
            }
            runs.add(JSON.readTree(response.body()).path("id").asText());
        }
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(15);
        while (System.nanoTime() < deadline) {
            JsonNode registered = JSON.readTree(HTTP.send(StackHttp.request(gateway + "/api/v1/models/"
                    + model).build(), HttpResponse.BodyHandlers.ofString()).body());
            long found = runs.stream().filter(run -> registered.path("versions").findValuesAsText("runId").contains(run))
                    .count();
            if (found == runs.size()) {
                return;
            }
            for (String run : runs) {
                JsonNode state = JSON.readTree(HTTP.send(StackHttp.request(gateway + "/api/v1/runs/" + run)
                        .build(), HttpResponse.BodyHandlers.ofString()).body());
                if (List.of("FAILED", "CANCELLED").contains(state.path("status").asText())) {
                    throw new IllegalStateException("run " + run + " " + state.path("status").asText() + ": "
                            + state.path("failureReason").asText());
                }
            }
            Thread.sleep(1000);
        }
        throw new IllegalStateException("the two runs were not registered within 15 minutes");
    }

    /** @param singleRates every round's single-image rate, in order */
    private record WarmUp(Duration spent, double compilerShare, List<Double> singleRates, boolean settled) {
    }

    /**
     * Unmeasured load in rounds of both kinds (the JIT compiles each kind's path, and recompiles shared code when
     * the mix changes) until, in a round, the service's JIT compiler threads took under
     * {@link #SETTLED_COMPILER_SHARE} of the machine's CPU, the single-image rate gained under
     * {@link #SETTLED_RATE_GAIN} on the round before, and it fell no more than {@link #SETTLED_SHORT_OF_BEST} short of
     * the best round so far; at most {@link #WARMUP_LIMIT}. A replica serving for hours has compiled its request path:
     * a rate that merely stopped rising may still be paying for the compiler, and a quiet compiler alone stopped a
     * fresh service about 8 points of the in-process rate below the speed a second run then measured (2026-12-04: 59%
     * against 67%). A round well short of the best was disturbed (the host slowed, or the service recompiled): a
     * warm-up that ended on one at 4,271 requests/s was followed by measured rounds still rising, from 6,896 to 8,497.
     */
    private static WarmUp warmUp(long pid, String url, List<Path> singles, List<Path> batches, int connections,
            int batchConnections) throws IOException, InterruptedException {
        Duration spent = Duration.ZERO;
        int cores = Runtime.getRuntime().availableProcessors();
        List<Double> rates = new ArrayList<>();
        while (true) {
            double compilerBefore = compilerCpuSeconds(pid);
            long started = System.nanoTime();
            double singleRate = Wrk.post(url, singles, "image/png", connections, WARMUP_WINDOW).requestsPerSecond();
            Wrk.post(url, batches, PngForms.contentType(BOUNDARY), batchConnections, WARMUP_WINDOW);
            double seconds = (System.nanoTime() - started) / 1e9;
            double share = (compilerCpuSeconds(pid) - compilerBefore) / (seconds * cores);
            spent = spent.plus(WARMUP_WINDOW.multipliedBy(2));
            // Not before the second round: no gain to judge yet.
            boolean settled = !rates.isEmpty() && share < SETTLED_COMPILER_SHARE
                    && singleRate < rates.get(rates.size() - 1) * (1 + SETTLED_RATE_GAIN)
                    && singleRate >= Collections.max(rates) * (1 - SETTLED_SHORT_OF_BEST);
            rates.add(singleRate);
            if (settled || spent.compareTo(WARMUP_LIMIT) >= 0) {
                return new WarmUp(spent, share, rates, settled);
            }
        }
    }

    /** CPU seconds the process's JIT compiler threads ({@code C1/C2 CompilerThread}) have used so far. */
    private static double compilerCpuSeconds(long pid) throws IOException {
        long ticks = 0;
        try (var tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
            for (Path task : tasks.toList()) {
                try {
                    if (!Files.readString(task.resolve("comm")).contains("CompilerThre")) {
                        continue;
                    }
                    ticks += cpuTicks(Files.readString(task.resolve("stat")));
                } catch (IOException e) {
                    // The thread ended between the listing and the read: its time is gone with it.
                }
            }
        }
        return ticks / CLOCK_TICKS_PER_SECOND;
    }

    /** CPU seconds the process has used so far, all its threads. */
    private static double processCpuSeconds(long pid) throws IOException {
        return cpuTicks(Files.readString(Path.of("/proc/" + pid + "/stat"))) / CLOCK_TICKS_PER_SECOND;
    }

    /** A {@code /proc} stat line's user and system time, in clock ticks. */
    private static long cpuTicks(String stat) {
        // After the command's closing parenthesis: state is field 3, utime and stime fields 14 and 15.
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
        return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    }


    /** The replica's OIP metadata of the model's champion ({@code GET /v2/models/{name}}). */
    private static HttpResponse<String> modelMetadata(String inference, String model) throws Exception {
        return HTTP.send(StackHttp.request(URI.create(inference + "/v2/models/" + model)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** The served model's engine, which the in-process reference must use too (its OIP metadata's platform). */
    private static ForwardEngine servedEngine(String inference, String model) throws Exception {
        HttpResponse<String> response = modelMetadata(inference, model);
        String platform = JSON.readTree(response.body()).path("platform").asText();
        return ForwardEngine.ofPlatform(platform).orElseThrow(() -> new IllegalStateException(
                "the inference service names no known engine for " + model + ": " + response.body()));
    }

    /** One thread, as the service's passes (kiln.inference.intra-op-threads 1), on the served model's engine. */
    private static double inProcessImagesPerSecond(Checkpoint checkpoint, ForwardEngine engine, List<byte[]> pngs,
            int seconds) throws Exception {
        DjlRuntime.prepareThread();
        DjlRuntime.intraOpThreads(1);
        try (Classifier classifier = Classifier.load(checkpoint, Device.cpu(), engine)) {
            // A second unmeasured first: the freshly loaded session's first passes.
            predictFor(classifier, pngs, TimeUnit.SECONDS.toNanos(1));
            long started = System.nanoTime();
            long images = predictFor(classifier, pngs, TimeUnit.SECONDS.toNanos(seconds));
            return images / ((System.nanoTime() - started) / 1e9);
        }
    }

    /** Decodes and predicts the PNGs in batches, round and round, for about {@code nanos}; returns the images done. */
    private static long predictFor(Classifier classifier, List<byte[]> pngs, long nanos) throws ImageDecodeException {
        EvalTransform transform = classifier.transform();
        long images = 0;
        long deadline = System.nanoTime() + nanos;
        for (int at = 0; System.nanoTime() < deadline || images == 0; at = (at + BATCH) % pngs.size()) {
            int count = Math.min(BATCH, pngs.size() - at);
            float[] inputs = new float[count * classifier.inputSize()];
            for (int i = 0; i < count; i++) {
                System.arraycopy(ImageInputs.fromEncoded(pngs.get(at + i), transform), 0, inputs,
                        i * classifier.inputSize(), classifier.inputSize());
            }
            classifier.probabilities(inputs, count);
            images += count;
        }
        return images;
    }

    /**
     * {@code NAMEImagesPerSecond}, and {@code NAMERatio} against the mean of the two in-process measures beside it,
     * with its range against either alone ({@code NAMERatioMin}, {@code NAMERatioMax}).
     */
    private static void putRatio(Map<String, Object> results, String name, double imagesPerSecond, double before,
            double after) {
        results.put(name + "ImagesPerSecond", imagesPerSecond);
        results.put(name + "Ratio", NeighbourRatios.ratio(imagesPerSecond, before, after));
        results.put(name + "RatioMin", imagesPerSecond / Math.max(before, after));
        results.put(name + "RatioMax", imagesPerSecond / Math.min(before, after));
    }

    private static void report(PrintStream out, String title, Wrk.Result load, int imagesPerRequest,
            int connections) {
        out.printf(Locale.ROOT, "%s, wrk with %d connections: %,d requests, %,.0f images/s, latency p50 %.1f ms, p99"
                        + " %.1f ms, %d failed%n", title, connections, load.requests(),
                load.requestsPerSecond() * imagesPerRequest, load.p50Millis(), load.p99Millis(), load.failed());
    }

    /** The inference service's prediction log so far, logged predictions by outcome (its Prometheus counter). */
    private static Map<String, Long> predictionLogCounts(String inference) throws IOException, InterruptedException {
        Map<String, Long> counts = new TreeMap<>();
        Matcher counter = PREDICTION_LOG_TOTAL.matcher(StackHttp.get(inference + "/q/metrics").body());
        while (counter.find()) {
            counts.put(counter.group(1), (long) Double.parseDouble(counter.group(2)));
        }
        return counts;
    }

    private static void promote(String gateway, String model, int version) throws Exception {
        HttpResponse<String> response = HTTP.send(StackHttp.request(
                        URI.create(gateway + "/api/v1/models/" + model + "/promote")).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"version\": " + version + "}")).build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IllegalStateException("promote answered " + response.statusCode() + ": " + response.body());
        }
    }

    /** Waits until the replica's champion metadata names the version. */
    private static void awaitServed(String inference, String model, int version) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            HttpResponse<String> response = modelMetadata(inference, model);
            if (response.statusCode() == 200) {
                JsonNode versions = JSON.readTree(response.body()).path("versions");
                if (versions.size() == 1 && versions.get(0).asText().equals(String.valueOf(version))) {
                    return;
                }
            }
            Thread.sleep(20);
        }
        throw new IllegalStateException("v" + version + " of " + model + " not served within 60 s");
    }

    static long residentKb(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        throw new IllegalStateException("no VmRSS for pid " + pid);
    }

    /** The model's versions, oldest first. */
    private static List<Integer> versions(String jdbcUrl, String model) throws Exception {
        List<Integer> versions = new ArrayList<>();
        try (Connection db = connect(jdbcUrl);
                PreparedStatement query = db.prepareStatement(
                        "select version from model_versions where model = ? order by version")) {
            query.setString(1, model);
            try (ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    versions.add(rows.getInt(1));
                }
            }
        }
        return versions;
    }

    private static int champion(String jdbcUrl, String model) throws Exception {
        try (Connection db = connect(jdbcUrl);
                PreparedStatement query = db.prepareStatement(
                        "select version from model_aliases where model = ? and alias = 'champion'")) {
            query.setString(1, model);
            try (ResultSet rows = query.executeQuery()) {
                if (!rows.next()) {
                    throw new IllegalStateException("model '" + model + "' has no champion");
                }
                return rows.getInt(1);
            }
        }
    }

    /** The version's model checkpoint, downloaded from the gateway as a user would. */
    private static byte[] checkpointOf(String gateway, String jdbcUrl, String model, int version) throws Exception {
        String runId;
        try (Connection db = connect(jdbcUrl);
                PreparedStatement query = db.prepareStatement("select run_id from model_versions where model = ?"
                        + " and version = ?")) {
            query.setString(1, model);
            query.setInt(2, version);
            try (ResultSet rows = query.executeQuery()) {
                if (!rows.next()) {
                    throw new IllegalStateException(model + " v" + version + " is not registered");
                }
                runId = rows.getString(1);
            }
        }
        HttpResponse<byte[]> response = HTTP.send(StackHttp.request(gateway + "/api/v1/runs/" + runId
                + "/checkpoints/model").timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofByteArray());
        if (response.statusCode() != 200) {
            throw new IllegalStateException("downloading the checkpoint of " + model + " v" + version + ": HTTP "
                    + response.statusCode());
        }
        return response.body();
    }

    private static Connection connect(String jdbcUrl) throws Exception {
        return DriverManager.getConnection(jdbcUrl, LocalPostgres.USER, LocalPostgres.PASSWORD);
    }
}
