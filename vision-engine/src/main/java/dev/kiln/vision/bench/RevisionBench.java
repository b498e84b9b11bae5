package dev.kiln.vision.bench;

import dev.kiln.contracts.messaging.Json;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * {@code ./kiln bench against REVISION}: this build's training loop against another revision's, on the same data, in
 * one JVM, the two taking turns. Each side's vision-engine jar is loaded by a class loader of its own over one shared
 * copy of the libraries (DJL, PyTorch's natives, the message contracts), so both run in the same process at the same
 * moment of the machine's speed: on this project's 2-core VM separate processes differed by 10% or more for the same
 * code, more than most changes to measure. Only the step's images per second are compared; nothing of PyTorch's.
 *
 * <p>This class must not touch DJL or the training itself: a class it loaded would be this build's, for both sides.
 * It reaches each side by reflection, through the API both share ({@code TrainTestData.load}, {@code ImageSet.subset},
 * {@code ClassifierTraining.run}).
 */
public final class RevisionBench {

    private static final String USAGE = """
            usage: ./kiln bench against REVISION [--model M] [--images N] [--rounds R] [--warmup-seconds S]
                                                 [--image-size S] [--json]
              This build's training (one epoch of M on the first N Fashion-MNIST images, batch 64, SGD with momentum)
              against REVISION's, in one JVM taking turns: warm-up rounds for S seconds (at least 3 a side), then R
              pairs, each side going first in turn. Prints both sides' median images/s and the median of the pairs'
              ratios (this build / REVISION). --image-size resizes the images (VGG needs 32; 0, the default, keeps
              their own size).
            """;

    private RevisionBench() {
    }

    /** One side: a vision-engine jar in a class loader of its own, and the training it runs. */
    private static final class Side {
        private final String label;
        private final ClassLoader loader;
        private Object data;

        Side(String label, Path jar, ClassLoader libraries) throws MalformedURLException {
            this.label = label;
            this.loader = new URLClassLoader(new URL[] {jar.toUri().toURL()}, libraries);
        }

        /** One epoch: {images/s of the step, images/s of the data pipeline alone}. */
        double[] epoch(String specJson, Path dataDir, int images) throws ReflectiveOperationException {
            Class<?> trainTest = loader.loadClass("dev.kiln.vision.pipeline.TrainTestData");
            if (data == null) {
                Class<?> imageSet = loader.loadClass("dev.kiln.vision.datasets.ImageSet");
                Object full = trainTest.getMethod("load", String.class, Path.class).invoke(null, "fashion-mnist",
                        dataDir);
                Object train = trainTest.getMethod("train").invoke(full);
                Object test = trainTest.getMethod("test").invoke(full);
                data = trainTest.getConstructor(String.class, imageSet, imageSet).newInstance("fashion-mnist",
                        first(imageSet, train, images), first(imageSet, test, BenchSpec.TEST_IMAGES));
            }
            Class<?> specClass = loader.loadClass("dev.kiln.contracts.runs.TrainingSpec");
            Object spec = loader.loadClass("dev.kiln.contracts.messaging.Json").getMethod("read", String.class,
                    Class.class).invoke(null, specJson, specClass);
            Class<?> device = loader.loadClass("ai.djl.Device");
            Class<?> training = loader.loadClass("dev.kiln.vision.training.ClassifierTraining");
            Object run = training.getConstructor(specClass, trainTest, device).newInstance(spec, data,
                    device.getMethod("cpu").invoke(null));
            Object result = training.getMethod("run").invoke(run);
            Object epoch = ((List<?>) result.getClass().getMethod("epochs").invoke(result)).get(0);
            return new double[] {(double) epoch.getClass().getMethod("imagesPerSecond").invoke(epoch),
                    (double) epoch.getClass().getMethod("pipelineImagesPerSecond").invoke(epoch)};
        }

        private static Object first(Class<?> imageSet, Object set, int count) throws ReflectiveOperationException {
            int size = (int) imageSet.getMethod("size").invoke(set);
            return imageSet.getMethod("subset", int[].class).invoke(set,
                    (Object) IntStream.range(0, Math.min(count, size)).toArray());
        }
    }

    public static void main(String[] args) throws Exception {
        Optional<Map<String, String>> parsed = BenchOptions.parse(args, USAGE, Map.of("--against", "",
                "--label", "the other revision", "--jar", "vision-engine/target/vision-engine-0.1.0-SNAPSHOT.jar",
                "--lib", "vision-engine/target/lib", "--model", "fc2layer", "--images", "20000", "--rounds", "20",
                "--warmup-seconds", "20", "--image-size", "0", "--data", ".kiln/data"), Set.of("--json"));
        if (parsed.isEmpty()) {
            return;
        }
        Map<String, String> options = parsed.get();
        if (options.get("--against").isEmpty()) {
            System.err.print(USAGE);
            System.err.println("error: --against JAR is required (./kiln bench against builds it)");
            System.exit(2);
        }
        boolean json = options.containsKey("--json");
        String model = BenchOptions.model(options);
        int images = BenchOptions.whole(options, "--images", 64);
        int rounds = BenchOptions.whole(options, "--rounds", 1);
        double warmupSeconds = BenchOptions.number(options, "--warmup-seconds", 0);
        // 0 keeps the images' own size.
        int imageSize = options.get("--image-size").equals("0") ? 0 : BenchOptions.imageSize(options);
        String spec = BenchSpec.json(model, 64, imageSize);
        // The engine's settings, as TrainBench's: one inter-op thread.
        System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        ClassLoader libraries = libraries(Path.of(options.get("--lib")));
        // DJL finds its engine through the thread's context class loader.
        Thread.currentThread().setContextClassLoader(libraries);
        Side current = new Side("this build", Path.of(options.get("--jar")), libraries);
        Side other = new Side(options.get("--label"), Path.of(options.get("--against")), libraries);
        Path dataDir = Path.of(options.get("--data"));

        long warmupEnds = System.nanoTime() + (long) (warmupSeconds * 1e9);
        int warmupRounds = 0;
        while (warmupRounds < 3 || System.nanoTime() < warmupEnds) {
            epoch(current, spec, dataDir, images);
            epoch(other, spec, dataDir, images);
            warmupRounds++;
        }
        if (!json) {
            System.out.printf(Locale.ROOT, "warm-up: %d rounds a side (not counted)%n", warmupRounds);
        }
        List<Double> currentSpeeds = new ArrayList<>();
        List<Double> otherSpeeds = new ArrayList<>();
        List<Double> currentPipeline = new ArrayList<>();
        List<Double> otherPipeline = new ArrayList<>();
        List<Double> ratios = new ArrayList<>();
        for (int round = 1; round <= rounds; round++) {
            // Each side goes first in turn: a drift in the machine's speed then falls on both.
            boolean otherFirst = round % 2 == 0;
            double[] otherEpoch = otherFirst ? epoch(other, spec, dataDir, images) : null;
            double[] currentEpoch = epoch(current, spec, dataDir, images);
            if (!otherFirst) {
                otherEpoch = epoch(other, spec, dataDir, images);
            }
            currentSpeeds.add(currentEpoch[0]);
            otherSpeeds.add(otherEpoch[0]);
            currentPipeline.add(currentEpoch[1]);
            otherPipeline.add(otherEpoch[1]);
            ratios.add(currentEpoch[0] / otherEpoch[0]);
            if (!json) {
                System.out.printf(Locale.ROOT, "round %d: this build %,.0f img/s, %s %,.0f img/s, ratio %.3f%n", round,
                        currentEpoch[0], other.label, otherEpoch[0], currentEpoch[0] / otherEpoch[0]);
            }
        }
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("bench", "against");
        report.put("model", model);
        report.put("images", images);
        report.put("imageSize", imageSize > 0 ? imageSize : null);
        report.put("against", other.label);
        report.put("rounds", rounds);
        report.put("warmupRounds", warmupRounds);
        report.put("imagesPerSecond", BenchStatistics.median(currentSpeeds));
        report.put("againstImagesPerSecond", BenchStatistics.median(otherSpeeds));
        report.put("pipelineImagesPerSecond", BenchStatistics.median(currentPipeline));
        report.put("againstPipelineImagesPerSecond", BenchStatistics.median(otherPipeline));
        BenchStatistics.putMedianAndRange(report, "ratio", ratios);
        if (json) {
            System.out.println(Json.write(report));
            return;
        }
        System.out.printf(Locale.ROOT, "%nmedian of %d pairs: %s, %,d Fashion-MNIST images, batch 64, SGD momentum, CPU"
                + "%n  this build: %,.0f img/s (data pipeline alone %,.0f img/s)%n  %s: %,.0f img/s (data pipeline"
                + " alone %,.0f img/s)%n  ratio: %.3f (median of the pairs' ratios; %.3f to %.3f)%n", rounds, model,
                images, report.get("imagesPerSecond"), report.get("pipelineImagesPerSecond"), other.label,
                report.get("againstImagesPerSecond"), report.get("againstPipelineImagesPerSecond"),
                report.get("ratio"), report.get("ratioMin"), report.get("ratioMax"));
    }

    private static double[] epoch(Side side, String spec, Path dataDir, int images) throws Exception {
        try {
            return side.epoch(spec, dataDir, images);
        } catch (InvocationTargetException e) {
            // The training's own exception (an unknown model, an image size the network cannot take), not reflection's.
            if (e.getCause() instanceof Exception cause) {
                throw new IllegalStateException(side.label + ": " + cause.getMessage(), cause);
            }
            throw e;
        }
    }

    /** The libraries both sides share: every jar of this build's lib folder, over the platform's classes only. */
    private static ClassLoader libraries(Path lib) throws IOException {
        List<URL> jars = new ArrayList<>();
        try (Stream<Path> files = Files.list(lib)) {
            for (Path jar : files.filter(file -> file.toString().endsWith(".jar")).sorted().toList()) {
                jars.add(jar.toUri().toURL());
            }
        }
        if (jars.isEmpty()) {
            throw new IllegalArgumentException("no jars in " + lib + " (run ./kiln build first)");
        }
        return new URLClassLoader(jars.toArray(URL[]::new), ClassLoader.getPlatformClassLoader());
    }
}
