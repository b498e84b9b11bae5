package dev.kiln.vision.bench;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.contracts.messaging.Json;
import dev.kiln.contracts.runs.TrainingSpec;
import dev.kiln.vision.datasets.ImageSet;
import dev.kiln.vision.engine.DjlRuntime;
import dev.kiln.vision.models.MemoryFormat;
import dev.kiln.vision.pipeline.TrainTestData;
import dev.kiln.vision.training.ClassifierTraining;
import dev.kiln.contracts.runs.EpochMetrics;
import dev.kiln.vision.training.TrainingResult;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * {@code ./kiln bench train}: Kiln's training loop against the same CNN in plain PyTorch (Debian's
 * python3-torch), on the same Fashion-MNIST images, batch size, optimizer and thread count, back to back
 * for several rounds; prints images/s of both, their ratio, and the data pipeline's own throughput.
 * A measurement, never a test: the numbers depend on the machine and on what else runs on it.
 */
public final class TrainBench {

    static final String USAGE = """
            Usage: ./kiln bench train [--model M] [--images N] [--batch B] [--threads T] [--rounds R]
                                      [--warmup W] [--warmup-seconds D] [--image-size S]
                                      [--pytorch-memory-format contiguous|channels_last] [--json]

            Trains one epoch of M (default cifar-cnn; any registry architecture: fc2layer, mnist-cnn, mlp, lenet,
            cifar-cnn, confignet, vgg11, vgg16, resnet18) on the first N (default 20000) Fashion-MNIST training
            images, resized to S x S (default: 28, their own size, where the architecture takes it, else 32), with SGD
            (lr 0.01, momentum 0.9), batch B (default 64), on T cores (default: all), in Kiln and then in plain
            PyTorch, R times (default 5), and prints the medians and the median of the per-round ratios. Rounds are
            paired because the machine's speed drifts: the reference is one process kept running, which trains its
            pass right before or after Kiln's, the two taking turns to go first. Both sides are measured warm: Kiln
            after W (default 3) uncounted rounds in the same JVM, as a trainer worker trains run after run (its
            first rounds run while the JIT compiles the step; rounds go on until D seconds, default 10, have passed,
            as a tiny network's W rounds take under a second), the reference after 20 uncounted batches and its
            trial. Each at its best: Kiln picks its thread count (a small network measures one thread against all),
            the reference the fastest of its settings, tried after Kiln's warm-up in two processes each, taking
            turns, the fastest process kept. The reference's memory format is the tutorials' (contiguous) unless
            --pytorch-memory-format says channels_last (PyTorch's CPU recipe: the network and each batch channels
            last); Kiln picks its own for the network (printed).
            """;

    /** Fashion-MNIST's own image size: no resizing. */
    private static final int NATIVE_SIZE = 28;

    /** A reference setting's best trial pass, in the JSON: a record, so that its fields keep their order. */
    private record SettingTried(String setting, double imagesPerSecond) {
    }

    private TrainBench() {
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        Optional<Map<String, String>> parsed = BenchOptions.parse(args, USAGE, Map.ofEntries(
                Map.entry("--model", "cifar-cnn"), Map.entry("--images", "20000"), Map.entry("--batch", "64"),
                Map.entry("--threads", String.valueOf(Runtime.getRuntime().availableProcessors())),
                Map.entry("--rounds", "5"), Map.entry("--warmup", "3"), Map.entry("--warmup-seconds", "10"),
                Map.entry("--data", ".kiln/data"), Map.entry("--image-size", "auto"),
                Map.entry("--python", "/usr/bin/python3"), Map.entry("--pytorch-memory-format", "contiguous")),
                Set.of("--json"));
        if (parsed.isEmpty()) {
            return;
        }
        Map<String, String> options = parsed.get();
        boolean json = options.containsKey("--json");
        int threads = BenchOptions.whole(options, "--threads", 1);
        // Read by DJL's PyTorch engine when it starts: the same intra-op thread count as the reference.
        System.setProperty("ai.djl.pytorch.num_threads", String.valueOf(threads));
        System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        int images = BenchOptions.whole(options, "--images", 1);
        int batch = BenchOptions.whole(options, "--batch", 1);
        String model = BenchOptions.model(options);
        Path dataDir = Path.of(options.get("--data"));
        TrainTestData full = TrainTestData.load("fashion-mnist", dataDir);
        TrainTestData data = new TrainTestData(full.name(), first(full.train(), images),
                first(full.test(), BenchSpec.TEST_IMAGES));
        int imageSize = imageSize(options, model);
        // What both sides are told to resize to: 0 keeps the images' own size.
        int resizeTo = imageSize == NATIVE_SIZE ? 0 : imageSize;
        TrainingSpec spec = Json.read(BenchSpec.json(model, batch, resizeTo), TrainingSpec.class);

        int rounds = BenchOptions.whole(options, "--rounds", 1);
        int warmup = BenchOptions.whole(options, "--warmup", 1);
        double warmupSeconds = BenchOptions.number(options, "--warmup-seconds", 0);
        String pytorchMemoryFormat = options.get("--pytorch-memory-format");
        if (!List.of("contiguous", "channels_last").contains(pytorchMemoryFormat)) {
            throw BenchOptions.fail("--pytorch-memory-format takes contiguous or channels_last, not '"
                    + pytorchMemoryFormat + "'");
        }
        List<Double> kiln = new ArrayList<>();
        List<Double> pipeline = new ArrayList<>();
        List<Double> pytorch = new ArrayList<>();
        JsonNode reference = null;
        PytorchReference.Setting setting;
        Map<PytorchReference.Setting, Double> trials;
        int kilnThreads = threads;
        MemoryFormat kilnMemoryFormat = null;
        List<Double> ratios = new ArrayList<>();
        PytorchReference.Workload workload = new PytorchReference.Workload(options.get("--python"),
                dataDir.resolve("fashion-mnist"), model, images, batch, resizeTo, pytorchMemoryFormat);
        // Warm-up, not counted: the JIT compiling the training step, native libraries, the page cache. By rounds and by
        // time: fc2layer's three rounds take half a second, and its speed still rose for five rounds more.
        long warmupEnds = System.nanoTime() + (long) (warmupSeconds * 1e9);
        int warmupRounds = 0;
        EpochMetrics lastWarmup = null;
        while (warmupRounds < warmup || System.nanoTime() < warmupEnds) {
            lastWarmup = new ClassifierTraining(spec, data, Device.cpu()).run().epochs().get(0);
            warmupRounds++;
            if (!json && warmupRounds <= warmup) {
                System.out.printf(Locale.ROOT, "warm-up %d of %d: kiln %,.0f img/s (not counted)%n", warmupRounds,
                        warmup, lastWarmup.imagesPerSecond());
            }
        }
        if (!json && warmupRounds > warmup) {
            System.out.printf(Locale.ROOT, "warm-up went on to %.0f s: %d rounds more, the last at %,.0f img/s (not"
                    + " counted)%n", warmupSeconds, warmupRounds - warmup, lastWarmup.imagesPerSecond());
        }
        MachinePeak.Peak peakBefore = peak(threads);
        // The reference's settings are tried only now, with Kiln's JVM warm and idle: tried beside a JVM still
        // compiling its start-up, a setting could lose its trial by chance and the benchmark compare against a slow
        // reference.
        try (PytorchReference pytorchReference = PytorchReference.fastest(workload, threads)) {
            setting = pytorchReference.setting();
            trials = pytorchReference.trials();
            if (!json) {
                String tried = trials.entrySet().stream().map(trial -> String.format(Locale.ROOT, "%s %,.0f img/s",
                        trial.getKey(), trial.getValue())).collect(Collectors.joining("; "));
                System.out.println("pytorch settings tried (" + PytorchReference.TRIAL_PROCESSES + " processes each,"
                        + " one pass each; the fastest process is kept): " + tried + "; chosen: " + setting);
            }
            for (int round = 1; round <= rounds; round++) {
                // Every other round the reference goes first: a drift in the machine's speed then falls on both sides.
                boolean referenceFirst = round % 2 == 0;
                if (referenceFirst) {
                    reference = pytorchReference.epoch();
                }
                ClassifierTraining training = new ClassifierTraining(spec, data, Device.cpu());
                TrainingResult result = training.run();
                // The training chose its own thread count on this thread (one for a tiny network), and memory format.
                kilnThreads = DjlRuntime.currentIntraOpThreads();
                kilnMemoryFormat = training.memoryFormat();
                EpochMetrics epoch = result.epochs().get(0);
                if (!referenceFirst) {
                    reference = pytorchReference.epoch();
                }
                double referenceSpeed = reference.get("images_per_second").asDouble();
                kiln.add(epoch.imagesPerSecond());
                pipeline.add(epoch.pipelineImagesPerSecond());
                pytorch.add(referenceSpeed);
                ratios.add(epoch.imagesPerSecond() / referenceSpeed);
                if (!json) {
                    System.out.printf(Locale.ROOT, "round %d: kiln %,.0f img/s, pytorch %,.0f img/s, ratio %.2f%n",
                            round, epoch.imagesPerSecond(), referenceSpeed, epoch.imagesPerSecond() / referenceSpeed);
                }
            }
        }
        double kilnMedian = BenchStatistics.median(kiln);
        double pytorchMedian = BenchStatistics.median(pytorch);
        double pipelineMedian = BenchStatistics.median(pipeline);
        // A training step costs about three forward passes: the forward, and the backward's gradients for the inputs
        // and for the weights.
        long forwardMultiplyAdds = spec.withDefaults().summary().multiplyAdds();
        double achieved = 3.0 * forwardMultiplyAdds * kilnMedian;
        // The best of the peaks before and after the rounds.
        MachinePeak.Peak peaks = peakBefore.better(peak(threads));
        double peak = peaks.best();
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("bench", "train");
        report.put("model", model);
        report.put("images", images);
        report.put("batchSize", batch);
        report.put("threads", threads);
        report.put("kilnThreads", kilnThreads);
        report.put("pytorchThreads", setting.threads());
        report.put("kilnMemoryFormat", kilnMemoryFormat.name().toLowerCase(Locale.ROOT));
        report.put("pytorchMemoryFormat", pytorchMemoryFormat);
        report.put("imageSize", imageSize);
        report.put("rounds", rounds);
        report.put("warmupRounds", warmupRounds);
        report.put("warmupSeconds", warmupSeconds);
        report.put("kilnImagesPerSecond", kilnMedian);
        report.put("pytorchImagesPerSecond", pytorchMedian);
        BenchStatistics.putMedianAndRange(report, "ratio", ratios);
        report.put("pipelineImagesPerSecond", pipelineMedian);
        report.put("pytorchVersion", reference.get("torch").asText());
        report.put("pytorchBlasThreads", setting.blasThreads() == null ? "default" : setting.blasThreads());
        report.put("pytorchSettingsTried", trials.entrySet().stream()
                .map(trial -> new SettingTried(trial.getKey().toString(), trial.getValue())).toList());
        report.put("forwardMultiplyAddsPerImage", forwardMultiplyAdds);
        report.put("achievedMultiplyAddsPerSecond", achieved);
        report.put("peakMultiplyAddsPerSecond", peak);
        report.put("matrixMultiplyPeak", peaks.matrixMultiply());
        report.put("convolutionPeak", peaks.convolution());
        report.put("fractionOfPeak", achieved / peak);
        if (json) {
            System.out.println(Json.write(report));
        } else {
            System.out.printf(Locale.ROOT, "%nmedian of %d rounds: %s, %,d Fashion-MNIST images, batch %d, SGD momentum,"
                    + " %d cores, CPU%n  kiln     %,8.0f img/s (%d threads, %s)%n  pytorch  %,8.0f img/s (torch %s, %d"
                    + " threads, OpenBLAS threads: %s, %s)%n"
                    + "  ratio    %.2fx (median of the rounds' ratios; %.2f to %.2f)%n"
                    + "  kiln data pipeline alone %,.0f img/s (%.0fx the training step)%n"
                    + "  achieved %.2f GMAC/s (3 x %,d multiply-adds per image x %,.0f img/s): %.1f%% of this machine's"
                    + " measured peak, %.2f GMAC/s (through the same natives, the faster of float32 matrix multiplies,"
                    + " %.2f, and 3x3 convolutions, %.2f)%n", rounds,
                    model, images, batch, threads, kilnMedian, kilnThreads, report.get("kilnMemoryFormat"), pytorchMedian,
                    reference.get("torch").asText(), setting.threads(), report.get("pytorchBlasThreads"),
                    pytorchMemoryFormat,
                    report.get("ratio"), report.get("ratioMin"), report.get("ratioMax"), pipelineMedian,
                    pipelineMedian / kilnMedian, achieved / 1e9, forwardMultiplyAdds, kilnMedian,
                    100 * achieved / peak, peak / 1e9, peaks.matrixMultiply() / 1e9, peaks.convolution() / 1e9);
        }
    }

    /** This machine's measured peak on all the benchmark's threads, not on the one a tiny network's training left set. */
    private static MachinePeak.Peak peak(int threads) {
        DjlRuntime.intraOpThreads(threads);
        return MachinePeak.measure(Device.cpu());
    }

    /**
     * The square size to train at: as given, or for "auto" Fashion-MNIST's own 28 where the architecture takes it,
     * else CIFAR's 32 (VGG's five halvings need it).
     */
    static int imageSize(Map<String, String> options, String model) {
        if (!options.get("--image-size").equals("auto")) {
            return BenchOptions.imageSize(options);
        }
        try {
            Json.read("{\"dataset\": \"fashion-mnist\", \"model\": \"" + model + "\"}", TrainingSpec.class).withDefaults()
                    .summary();
            return NATIVE_SIZE;
        } catch (IllegalArgumentException e) {
            return 32;
        }
    }

    static ImageSet first(ImageSet set, int count) {
        return set.subset(IntStream.range(0, Math.min(count, set.size())).toArray());
    }
}
