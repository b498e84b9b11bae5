package dev.kiln.vision.training;

import dev.kiln.contracts.runs.EpochMetrics;
import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.ndarray.types.Shape;
import dev.kiln.contracts.messaging.Json;
import dev.kiln.contracts.runs.TrainingSpec;
import dev.kiln.vision.RepoFiles;
import dev.kiln.vision.checkpoints.Checkpoint;
import dev.kiln.vision.datasets.ImageSet;
import dev.kiln.vision.engine.DjlRuntime;
import dev.kiln.vision.models.ModelRegistry;
import dev.kiln.vision.models.ParameterCounts;
import dev.kiln.vision.pipeline.TrainTestData;
import dev.kiln.vision.serving.Classifier;
import dev.kiln.vision.serving.ImageInputs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real training on the real data sets, through the same loop the trainer workers run. */
class ClassifierTrainingTest {

    private static TrainTestData mnistSample;

    @TempDir
    Path tmp;

    @BeforeAll
    static void loadData() throws IOException {
        mnistSample = RepoFiles.mnistSample();
    }

    @Test
    void fashionMnistExampleReachesNinetyPercentInThreeEpochs() throws IOException {
        RepoFiles.installed("fashion-mnist", "train-images-idx3-ubyte.gz", "t10k-images-idx3-ubyte.gz");
        TrainingSpec spec = example("fashion-mnist.json");

        TrainingResult result = new ClassifierTraining(spec, TrainTestData.load("fashion-mnist", RepoFiles.dataDir()),
                Device.cpu()).run();

        assertThat(spec.epochs()).isLessThanOrEqualTo(3);
        assertThat(result.outcome()).isEqualTo(TrainingResult.Outcome.COMPLETED);
        assertThat(result.test().images()).isEqualTo(10_000);
        assertThat(result.test().accuracy()).as("Fashion-MNIST test accuracy").isGreaterThanOrEqualTo(0.90);
    }

    @Test
    void theFullMnistExampleReachesNinetyNinePercent() throws IOException {
        RepoFiles.installed("mnist", "train-images-idx3-ubyte.gz", "t10k-images-idx3-ubyte.gz");
        TrainingSpec spec = example("mnist.json");

        TrainingResult result = new ClassifierTraining(spec, TrainTestData.load("mnist", RepoFiles.dataDir()),
                Device.cpu()).run();

        assertThat(result.test().images()).isEqualTo(10_000);
        assertThat(result.test().accuracy()).as("MNIST test accuracy").isGreaterThanOrEqualTo(0.99);
    }

    @Test
    void mnistSampleExampleReachesNinetySevenPercentOnTheHeldOutDigits() throws IOException {
        TrainingResult result = new ClassifierTraining(example("mnist-sample.json"), mnistSample, Device.cpu()).run();

        assertThat(result.test().images()).isEqualTo(2_000);
        assertThat(result.test().accuracy()).as("held-out MNIST sample accuracy").isGreaterThanOrEqualTo(0.97);
        assertThat(result.test().perClass()).allSatisfy(c -> assertThat(c.recall()).isGreaterThan(0.9));
    }

    @Test
    void softTargetsFromLabelSmoothingAndMixupTrainAClassifier() throws IOException {
        TrainingSpec spec = Json.read("""
                {"dataset": "mnist-sample", "model": "mnist-cnn", "epochs": 2, "batchSize": 64, "optimizer": "adam",
                 "learningRate": 0.002, "labelSmoothing": 0.1, "mixupAlpha": 0.2, "seed": 5}
                """, TrainingSpec.class);

        TrainingResult result = new ClassifierTraining(spec, mnistSample, Device.cpu()).run();

        assertThat(result.outcome()).isEqualTo(TrainingResult.Outcome.COMPLETED);
        assertThat(result.epochs().get(1).trainLoss()).isLessThan(result.epochs().get(0).trainLoss());
        assertThat(result.test().accuracy()).as("held-out MNIST sample accuracy").isGreaterThanOrEqualTo(0.9);
    }

    @Test
    void sameSpecAndSeedGiveTheSameEpochLosses() {
        TrainingSpec spec = small(2, "adam", 7L);

        TrainingResult first = new ClassifierTraining(spec, mnistSample, Device.cpu()).run();
        TrainingResult second = new ClassifierTraining(spec, mnistSample, Device.cpu()).run();
        TrainingResult otherSeed = new ClassifierTraining(small(2, "adam", 8L), mnistSample, Device.cpu()).run();

        assertThat(losses(second)).isEqualTo(losses(first));
        assertThat(second.test().accuracy()).isEqualTo(first.test().accuracy());
        assertThat(losses(otherSeed)).isNotEqualTo(losses(first));
    }

    @Test
    void aRunResumedFromItsLastCheckpointEndsWhereAnUninterruptedRunEnds() throws IOException {
        // SGD with momentum and a cosine schedule: optimizer state and schedule position both matter.
        TrainingSpec spec = Json.read("""
                {"dataset": "mnist-sample", "model": "mnist-cnn", "epochs": 3, "batchSize": 64, "optimizer": "sgd",
                 "learningRate": 0.05, "momentum": 0.9, "schedule": {"type": "cosine"},
                 "augmentation": {"cropPadding": 2}, "seed": 11}
                """, TrainingSpec.class);
        TrainingResult uninterrupted = new ClassifierTraining(spec, mnistSample, Device.cpu()).run();

        Path dir = tmp.resolve("interrupted");
        new ClassifierTraining(spec, mnistSample, Device.cpu())
                .listener(new CheckpointWriter(dir))
                .listener(stopAfter(2))
                .run();
        Checkpoint last = Checkpoint.read(dir.resolve(CheckpointWriter.LAST));
        assertThat(last.manifest().epoch()).isEqualTo(2);
        TrainingResult resumed = new ClassifierTraining(spec, mnistSample, Device.cpu()).resumeFrom(last).run();

        assertThat(losses(resumed)).isEqualTo(losses(uninterrupted));
        assertThat(resumed.bestEpoch()).isEqualTo(uninterrupted.bestEpoch());
        assertThat(resumed.test().accuracy()).isEqualTo(uninterrupted.test().accuracy());
    }

    @Test
    void aCheckpointOfEveryEpochResumesStraightIntoTheResultOfTheUninterruptedRun() throws IOException {
        // A worker killed after its last epoch was stored, before the run's result was: the chaos check found one.
        TrainingSpec spec = small(2, "sgd", 5L);
        Path dir = tmp.resolve("every-epoch");
        TrainingResult uninterrupted = new ClassifierTraining(spec, mnistSample, Device.cpu())
                .listener(new CheckpointWriter(dir))
                .run();
        Checkpoint last = Checkpoint.read(dir.resolve(CheckpointWriter.LAST));
        assertThat(last.manifest().epoch()).isEqualTo(2);

        TrainingResult resumed = new ClassifierTraining(spec, mnistSample, Device.cpu()).resumeFrom(last).run();

        assertThat(resumed.outcome()).isEqualTo(TrainingResult.Outcome.COMPLETED);
        assertThat(losses(resumed)).isEqualTo(losses(uninterrupted));
        assertThat(resumed.bestEpoch()).isEqualTo(uninterrupted.bestEpoch());
        assertThat(resumed.test().accuracy()).isEqualTo(uninterrupted.test().accuracy());
        assertThat(resumed.test().loss()).isEqualTo(uninterrupted.test().loss());
    }

    @Test
    void trainsOnAThreadOtherThanTheOneThatLoadedTheEngine() throws Exception {
        // PyTorch's autograd mode is per thread: a worker's training thread must be prepared like the main one.
        DjlRuntime.start();
        TrainingResult[] result = new TrainingResult[1];
        Thread worker = new Thread(() -> result[0] = new ClassifierTraining(TrainingSpec.of("mnist-sample", "fc2layer",
                1, 64, "sgd", 0.05, 2L), mnistSample, Device.cpu()).run());
        worker.start();
        worker.join();

        assertThat(result[0]).as("training on another thread finished").isNotNull();
        assertThat(result[0].outcome()).isEqualTo(TrainingResult.Outcome.COMPLETED);
    }

    @Test
    void aDivergingRunFailsWithItsReason() {
        TrainingSpec spec = TrainingSpec.of("mnist-sample", "mlp", 2, 64, "sgd", 10.0, 3L);

        TrainingResult result = new ClassifierTraining(spec, mnistSample, Device.cpu()).run();

        assertThat(result.outcome()).isEqualTo(TrainingResult.Outcome.FAILED);
        assertThat(result.reason()).contains("diverged").contains("learningRate");
        assertThat(result.test()).isNull();
    }

    @Test
    void cancellingStopsWithinOneBatch() {
        AtomicInteger batches = new AtomicInteger();
        ClassifierTraining training = new ClassifierTraining(small(3, "adam", 1L), mnistSample, Device.cpu())
                .listener(new EpochListener() {
                    @Override
                    public void onBatch(BatchProgress progress) {
                        batches.incrementAndGet();
                    }
                });
        training.cancelWhen(() -> batches.get() >= 5);

        TrainingResult result = training.run();

        assertThat(result.outcome()).isEqualTo(TrainingResult.Outcome.CANCELLED);
        assertThat(batches.get()).isEqualTo(5);
        assertThat(result.epochs()).isEmpty();
    }

    @Test
    void theResultCheckpointServesWhatWasTested() throws Exception {
        TrainingResult result = new ClassifierTraining(small(1, "adamw", 5L), mnistSample, Device.cpu()).run();

        Checkpoint reread = Checkpoint.fromBytes(result.model().toBytes());

        assertThat(reread.manifest().model()).isEqualTo("mnist-cnn");
        assertThat(reread.manifest().summary().parameters())
                .isEqualTo(ParameterCounts.trainable(ModelRegistry.build("mnist-cnn", Map.of(), 10), new Shape(1, 28, 28)));
        assertThat(reread.manifest().classes()).hasSize(10);
        assertThat(reread.manifest().evalTransform().mean()).containsExactly(0.1307f);
        assertThat(reread.manifest().parametersSha256()).isEqualTo(Checkpoint.sha256(reread.parameters()));
        assertThat(reread.resume()).isNull();
        assertThat(result.device()).isEqualTo("cpu");
    }

    @Test
    void aDeclarativeModelTrainsAndItsCheckpointServesItsOwnTestAccuracy() throws Exception {
        TrainingSpec spec = example("declarative-mnist-sample.json");

        TrainingResult result = new ClassifierTraining(spec, mnistSample, Device.cpu()).run();

        assertThat(result.test().accuracy()).as("held-out MNIST sample accuracy").isGreaterThanOrEqualTo(0.97);
        Checkpoint reread = Checkpoint.fromBytes(result.model().toBytes()).forInference();
        assertThat(reread.manifest().model()).isEqualTo("layers");
        assertThat(reread.manifest().spec().model().layers()).isEqualTo(spec.model().layers());
        ImageSet test = mnistSample.test();
        DjlRuntime.prepareThread();
        try (Classifier classifier = Classifier.load(reread, Device.cpu())) {
            float[] inputs = new float[test.size() * classifier.inputSize()];
            for (int i = 0; i < test.size(); i++) {
                System.arraycopy(ImageInputs.fromPixels(test.pixels(), i * test.imageBytes(), classifier.transform()),
                        0, inputs, i * classifier.inputSize(), classifier.inputSize());
            }
            float[] probabilities = classifier.probabilities(inputs, test.size());
            int correct = 0;
            for (int i = 0; i < test.size(); i++) {
                correct += argMax(probabilities, i * 10, 10) == test.labels()[i] ? 1 : 0;
            }
            assertThat((double) correct / test.size()).isEqualTo(result.test().accuracy());
        }
    }

    @Test
    void theMnistSampleHoldsOutAFifthOfEachDigitAsItsTestSet() {
        ImageSet train = mnistSample.train();
        ImageSet test = mnistSample.test();

        assertThat(train.size() + test.size()).isEqualTo(10_000);
        for (int digit = 0; digit < 10; digit++) {
            long inTest = count(test, digit);
            assertThat(inTest).as("digit %d", digit).isEqualTo(Math.round(0.2 * (inTest + count(train, digit))));
        }
    }

    private static int argMax(float[] values, int offset, int length) {
        int best = 0;
        for (int k = 1; k < length; k++) {
            best = values[offset + k] > values[offset + best] ? k : best;
        }
        return best;
    }

    private static long count(ImageSet set, int label) {
        return IntStream.of(set.labels()).filter(l -> l == label).count();
    }

    private static TrainingSpec small(int epochs, String optimizer, long seed) {
        return TrainingSpec.of("mnist-sample", "mnist-cnn", epochs, 64, optimizer, 0.002, seed);
    }

    private static TrainingSpec example(String file) throws IOException {
        return Json.readStrict(Files.readString(RepoFiles.root().resolve("examples").resolve(file)), TrainingSpec.class);
    }

    private static List<List<Double>> losses(TrainingResult result) {
        return result.epochs().stream()
                .map(m -> List.of(m.trainLoss(), m.trainAccuracy(), m.validationLoss(), m.validationAccuracy()))
                .toList();
    }

    private static EpochListener stopAfter(int epochs) {
        return new EpochListener() {
            @Override
            public void onEpoch(EpochMetrics metrics, EpochControl control) {
                if (metrics.epoch() == epochs) {
                    control.stop("interrupted for the test");
                }
            }
        };
    }
}
