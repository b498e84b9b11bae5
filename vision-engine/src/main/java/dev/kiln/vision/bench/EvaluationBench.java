package dev.kiln.vision.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import dev.kiln.contracts.architectures.ModelSpec;
import dev.kiln.contracts.architectures.ShapeInference;
import dev.kiln.contracts.messaging.Json;
import dev.kiln.vision.datasets.ImageSet;
import dev.kiln.vision.datasets.ImageSets;
import dev.kiln.vision.engine.DjlRuntime;
import dev.kiln.vision.evaluation.Evaluator;
import dev.kiln.vision.models.MemoryFormat;
import dev.kiln.vision.models.ModelRegistry;
import dev.kiln.vision.pipeline.ImageBatches;
import dev.kiln.vision.pipeline.Normalization;
import dev.kiln.vision.pipeline.TrainTestData;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@code ./kiln bench evaluate}: an evaluation's forward passes in each {@link MemoryFormat}, in one JVM taking
 * turns, and the format Kiln's trainings and evaluations of the network use on this machine. The network is freshly
 * initialised: its weights do not change its speed.
 */
public final class EvaluationBench {

    private static final String USAGE = """
            usage: ./kiln bench evaluate [--model M] [--images N] [--rounds R] [--warmup-seconds S] [--threads T]
                                         [--image-size S] [--json]
              Evaluates M (default cifar-cnn) on the first N Fashion-MNIST test images (default 10000), 100 a pass as
              trainings do, on T intra-op threads (default: every core; a small network's training may have chosen 1,
              which its evaluations then use too), contiguous (NCHW) and channels last taking turns: warm-up pairs for
              S seconds (default 10, at least 3 pairs), then R pairs (default 15), each format going first in turn.
              Prints both formats' median images/s, the median of the pairs' ratios (channels last / contiguous) and
              the format Kiln uses for M here. --image-size resizes the images (default: 28 where M takes it, else 32).
            """;
    private static final int BATCH = 100;
    private static final int MIN_WARMUP_PAIRS = 3;

    private EvaluationBench() {
    }

    public static void main(String[] args) throws IOException {
        Optional<Map<String, String>> parsed = BenchOptions.parse(args, USAGE, Map.of("--model", "cifar-cnn",
                "--images", "10000", "--rounds", "15", "--warmup-seconds", "10", "--data", ".kiln/data",
                "--image-size", "auto", "--threads", String.valueOf(Runtime.getRuntime().availableProcessors())),
                Set.of("--json"));
        if (parsed.isEmpty()) {
            return;
        }
        Map<String, String> options = parsed.get();
        String model = BenchOptions.model(options);
        int rounds = BenchOptions.whole(options, "--rounds", 1);
        int threads = BenchOptions.whole(options, "--threads", 1);
        int images = BenchOptions.whole(options, "--images", 1);
        double warmupSeconds = BenchOptions.number(options, "--warmup-seconds", 0);
        // Read by DJL's PyTorch engine when it starts, as in TrainBench.
        System.setProperty("ai.djl.pytorch.num_threads", String.valueOf(threads));
        System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        DjlRuntime.prepareThread();
        int imageSize = TrainBench.imageSize(options, model);
        ImageSet first = TrainBench.first(TrainTestData.load("fashion-mnist", Path.of(options.get("--data"))).test(),
                images);
        ImageSet test = imageSize == first.height() ? first : ImageSets.resized(first, imageSize, imageSize);
        ModelSpec spec = ModelSpec.named(model);
        int classes = test.classes().size();
        MemoryFormat used = MemoryFormat.forModel(spec, () -> ShapeInference.summarize(spec, Map.of(), test.channels(),
                test.height(), test.width(), classes), Device.cpu());

        MemoryFormat[] formats = {MemoryFormat.CONTIGUOUS, MemoryFormat.CHANNELS_LAST};
        List<List<Double>> speeds = List.of(new ArrayList<>(), new ArrayList<>());
        List<Double> ratios = new ArrayList<>();
        try (NDManager manager = NDManager.newBaseManager(Device.cpu(), DjlRuntime.ENGINE);
                ImageBatches batches = new ImageBatches(test, Normalization.of("mnist", test), manager,
                        Device.cpu())) {
            Block network = ModelRegistry.build(spec, Map.of(), test.channels(), test.height(), test.width(),
                    classes);
            network.initialize(manager, DataType.FLOAT32, new Shape(1, test.channels(), test.height(), test.width()));
            long warmupStart = System.nanoTime();
            int warmupPairs = 0;
            while (warmupPairs < MIN_WARMUP_PAIRS || System.nanoTime() - warmupStart < warmupSeconds * 1e9) {
                pair(network, formats, batches, test, warmupPairs++);
            }
            for (int pair = 0; pair < rounds; pair++) {
                double[] pairSpeeds = pair(network, formats, batches, test, pair);
                speeds.get(0).add(pairSpeeds[0]);
                speeds.get(1).add(pairSpeeds[1]);
                ratios.add(pairSpeeds[1] / pairSpeeds[0]);
            }
        }
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("bench", "evaluate");
        report.put("model", model);
        report.put("images", test.size());
        report.put("imageSize", imageSize);
        report.put("batchSize", BATCH);
        report.put("threads", threads);
        report.put("rounds", rounds);
        report.put("warmupSeconds", warmupSeconds);
        report.put("kilnMemoryFormat", used.name().toLowerCase(Locale.ROOT));
        report.put("contiguousImagesPerSecond", BenchStatistics.median(speeds.get(0)));
        report.put("channelsLastImagesPerSecond", BenchStatistics.median(speeds.get(1)));
        BenchStatistics.putMedianAndRange(report, "ratio", ratios);
        if (options.containsKey("--json")) {
            System.out.println(Json.write(report));
        } else {
            System.out.printf(Locale.ROOT, "median of %d pairs: evaluating %s on %,d Fashion-MNIST test images (%d x %d),"
                    + " %d a pass, %d threads, CPU%n  contiguous     %,8.0f img/s%n  channels last  %,8.0f img/s%n"
                    + "  ratio          %.2fx (channels last / contiguous, median of the pairs' ratios; %.2f to %.2f)%n"
                    + "  Kiln trains and evaluates %s %s on this machine (MemoryFormat)%n", rounds, model, test.size(),
                    imageSize, imageSize, BATCH, threads, report.get("contiguousImagesPerSecond"),
                    report.get("channelsLastImagesPerSecond"), report.get("ratio"), report.get("ratioMin"),
                    report.get("ratioMax"), model, report.get("kilnMemoryFormat"));
        }
    }

    /** One evaluation in each format, the first going first in even pairs; their images/s by format. */
    private static double[] pair(Block network, MemoryFormat[] formats, ImageBatches batches, ImageSet test, int pair) {
        double[] speeds = new double[2];
        for (int turn = 0; turn < 2; turn++) {
            int side = (pair + turn) % 2;
            long start = System.nanoTime();
            Evaluator.evaluate(network, formats[side], batches, test.classes(), BATCH, 1);
            speeds[side] = test.size() / ((System.nanoTime() - start) / 1e9);
        }
        return speeds;
    }
}
