package dev.kiln.vision.bench;

import ai.djl.Device;
import dev.kiln.contracts.architectures.ModelSpec;
import dev.kiln.contracts.messaging.Json;
import dev.kiln.contracts.runs.EpochMetrics;
import dev.kiln.contracts.runs.InitSpec;
import dev.kiln.contracts.runs.TrainingSpec;
import dev.kiln.vision.checkpoints.Checkpoint;
import dev.kiln.vision.pipeline.TrainTestData;
import dev.kiln.vision.training.ClassifierTraining;
import dev.kiln.vision.training.TrainingResult;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.IntStream;

/**
 * {@code ./kiln bench transfer}: the tutorials' transfer-learning recipe measured. A CNN learns Fashion-MNIST's
 * classes 0-4 (T-shirt to coat); then classes 5-9 (sandal to ankle boot) are learnt three ways for the same epochs:
 * from scratch, from the 0-4 model with its convolutions frozen and a new head, and the same with everything
 * unfrozen from the second epoch. Prints each one's test accuracy after every epoch and its time. A measurement,
 * never a test.
 */
public final class TransferBench {

    static final String USAGE = """
            Usage: ./kiln bench transfer [--base-epochs E] [--epochs N] [--images I] [--data DIR]

            Trains a small CNN (two convolution blocks) on Fashion-MNIST classes 0-4 for E epochs (default 3), then on classes 5-9 for N
            epochs (default 3) three ways: from scratch; from the 0-4 model, convolutions frozen, new head;
            from the 0-4 model, unfrozen from epoch 2. With --images, the 5-9 training uses only the first I of its
            30,000 images (fine-tuning's usual case: few labelled images). Prints the validation accuracy after
            each epoch, the accuracy on the 5,000 test images of 5-9, and seconds.
            """;

    /** Two convolution blocks and a small classifier: a minute an epoch or less on two cores. */
    private static final String MODEL = """
            {"layers": [
              {"type": "conv2d", "name": "conv1", "out": 32, "kernel": 3, "padding": 1}, {"type": "batchnorm"},
              {"type": "relu"}, {"type": "maxpool"},
              {"type": "conv2d", "name": "conv2", "out": 64, "kernel": 3, "padding": 1}, {"type": "batchnorm"},
              {"type": "relu"}, {"type": "maxpool"},
              {"type": "flatten"}, {"type": "linear", "name": "fc", "out": 128}, {"type": "relu"},
              {"type": "dropout", "rate": 0.3}, {"type": "linear", "name": "head"}]}""";

    private TransferBench() {
    }

    public static void main(String[] args) throws IOException {
        Optional<Map<String, String>> parsed = BenchOptions.parse(args, USAGE, Map.of("--base-epochs", "3",
                "--epochs", "3", "--data", ".kiln/data", "--images", "30000"), Set.of());
        if (parsed.isEmpty()) {
            return;
        }
        Map<String, String> options = parsed.get();
        int baseEpochs = BenchOptions.whole(options, "--base-epochs", 1);
        int epochs = BenchOptions.whole(options, "--epochs", 1);
        int maxImages = BenchOptions.whole(options, "--images", 1);
        TrainTestData fashion = TrainTestData.load("fashion-mnist", Path.of(options.get("--data")));
        TrainTestData first = fashion.classRange(0, 4);
        TrainTestData allOfSecond = fashion.classRange(5, 9);
        int images = Math.min(maxImages, allOfSecond.train().size());
        TrainTestData second = new TrainTestData(allOfSecond.name(), allOfSecond.train().subset(
                IntStream.range(0, images).toArray()), allOfSecond.test());
        System.out.printf(Locale.ROOT, "Base: %s on %s (%,d training images), %d epochs%n", first.train().classes(),
                first.name(), first.train().size(), baseEpochs);
        TrainingResult base = train(spec(baseEpochs, null), first, null);
        System.out.printf(Locale.ROOT, "  test accuracy %.4f in %.0f s%n%n", base.test().accuracy(), base.seconds());

        System.out.printf(Locale.ROOT, "Then %s on %s (%,d training images), %d epochs each:%n",
                second.train().classes(), second.name(), second.train().size(), epochs);
        Map<String, InitSpec> ways = new LinkedHashMap<>();
        ways.put("from scratch", null);
        ways.put("convolutions frozen, new head", init(null));
        ways.put("frozen, then all from epoch 2", init(2));
        System.out.printf(Locale.ROOT, "%-32s %-28s %9s %9s%n", "", "validation accuracy by epoch", "test acc",
                "seconds");
        for (Map.Entry<String, InitSpec> way : ways.entrySet()) {
            TrainingSpec spec = spec(epochs, way.getValue());
            if (way.getValue() != null) {
                spec = spec.startingFrom(spec.model(), null, InitSpec.BasePin.trained(Checkpoint.sha256(
                        base.model().toBytes()), null, null, first.name(), first.train().classes().size()));
            }
            TrainingResult result = train(spec, second, way.getValue() == null ? null : base.model());
            StringBuilder curve = new StringBuilder();
            for (EpochMetrics m : result.epochs()) {
                curve.append(String.format(Locale.ROOT, "%.4f ", m.validationAccuracy()));
            }
            System.out.printf(Locale.ROOT, "%-32s %-28s %9.4f %9.1f%n", way.getKey(), curve.toString().trim(),
                    result.test().accuracy(), result.seconds());
        }
    }

    private static TrainingSpec spec(int epochs, InitSpec init) {
        return Json.readStrict("{\"dataset\": \"fashion-mnist\", \"model\": " + MODEL + ", \"epochs\": " + epochs
                + ", \"optimizer\": \"adam\", \"learningRate\": 0.001, \"seed\": 7"
                + (init == null ? "" : ", \"init\": " + Json.write(init)) + "}", TrainingSpec.class);
    }

    /** Starts from the base model: its convolutions (and their BatchNorms) frozen, the head replaced. */
    private static InitSpec init(Integer unfreezeAtEpoch) {
        InitSpec frozen = InitSpec.fromCheckpoint("base").freezing(List.of("conv*", "1", "5")).replacingHead(true);
        return unfreezeAtEpoch == null ? frozen : frozen.unfreezingAt(unfreezeAtEpoch);
    }

    private static TrainingResult train(TrainingSpec spec, TrainTestData data, Checkpoint base) {
        ClassifierTraining training = new ClassifierTraining(spec, data, Device.cpu());
        if (base != null) {
            training.startFrom(base);
        }
        return training.run();
    }
}
