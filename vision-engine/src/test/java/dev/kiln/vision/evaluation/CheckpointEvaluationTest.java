package dev.kiln.vision.evaluation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import dev.kiln.contracts.runs.EvaluationReport;
import dev.kiln.contracts.runs.TrainingSpec;
import dev.kiln.vision.RepoFiles;
import dev.kiln.vision.checkpoints.Checkpoint;
import dev.kiln.vision.datasets.ImageSet;
import dev.kiln.vision.engine.DjlRuntime;
import dev.kiln.vision.evaluation.CheckpointEvaluation.NotComparableException;
import dev.kiln.vision.models.MemoryFormat;
import dev.kiln.vision.pipeline.ImageBatches;
import dev.kiln.vision.pipeline.Normalization;
import dev.kiln.vision.pipeline.TrainTestData;
import dev.kiln.vision.training.ClassifierTraining;
import dev.kiln.vision.training.TrainingResult;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A trained model's checkpoint measured on a test set as a champion is measured on a challenger's: on its own test
 * set it gives the numbers its training reported, on other images other numbers, and a set it cannot read is
 * refused with the reason.
 */
class CheckpointEvaluationTest {

    private static TrainTestData mnistSample;
    private static TrainingResult result;

    @BeforeAll
    static void train() throws Exception {
        mnistSample = RepoFiles.mnistSample();
        result = new ClassifierTraining(TrainingSpec.of("mnist-sample", "fc2layer", 1, 64, "sgd", 0.05, 5L),
                mnistSample, Device.cpu()).run();
    }

    @Test
    void onItsOwnTestSetTheCheckpointScoresWhatItsTrainingReported() throws Exception {
        EvaluationReport again = CheckpointEvaluation.on(result.model(), mnistSample.test(), Device.cpu());

        assertThat(again.images()).isEqualTo(mnistSample.test().size());
        assertThat(again.accuracy()).isEqualTo(result.test().accuracy());
        assertThat(again.loss()).isCloseTo(result.test().loss(), within(1e-5));
        assertThat(again.confusion()).isDeepEqualTo(result.test().confusion());
    }

    @Test
    void onOtherImagesItScoresOtherNumbers() throws Exception {
        // The first half of the test images: another split of the same classes, as a newer data set version's.
        ImageSet test = mnistSample.test();
        int half = test.size() / 2;
        ImageSet firstHalf = new ImageSet(test.classes(), test.channels(), test.height(), test.width(),
                Arrays.copyOf(test.pixels(), half * test.imageBytes()), Arrays.copyOf(test.labels(), half));

        EvaluationReport onHalf = CheckpointEvaluation.on(result.model(), firstHalf, Device.cpu());

        assertThat(onHalf.images()).isEqualTo(half);
        long correct = 0;
        for (int c = 0; c < onHalf.confusion().length; c++) {
            correct += onHalf.confusion()[c][c];
        }
        assertThat(onHalf.accuracy()).isEqualTo((double) correct / half).isGreaterThan(0.7);
    }

    @Test
    void aSetWithOtherClassesOrAnotherImageShapeIsNotComparable() {
        ImageSet test = mnistSample.test();
        List<String> renamed = new ArrayList<>(test.classes());
        renamed.set(0, "zero");
        ImageSet otherClasses = new ImageSet(renamed, test.channels(), test.height(), test.width(), test.pixels(),
                test.labels());
        ImageSet smaller = new ImageSet(test.classes(), 1, 14, 14, new byte[14 * 14], new int[] {0});

        assertThatThrownBy(() -> CheckpointEvaluation.on(result.model(), otherClasses, Device.cpu()))
                .isInstanceOf(NotComparableException.class).hasMessageContaining("zero");
        assertThatThrownBy(() -> CheckpointEvaluation.on(result.model(), smaller, Device.cpu()))
                .isInstanceOf(NotComparableException.class)
                .hasMessage("it takes 1x28x28 images, the test set has 1x14x14");
    }

    @Test
    void aPoolingNetworksCheckpointScoresTheSameContiguousAndChannelsLast() throws Exception {
        ClassifierTraining training = new ClassifierTraining(
                TrainingSpec.of("mnist-sample", "mnist-cnn", 1, 64, "sgd", 0.05, 5L), mnistSample, Device.cpu());
        TrainingResult pooling = training.run();
        Checkpoint model = pooling.model();
        ImageSet test = mnistSample.test();

        // Measured in the order it trained in here: channels last where PyTorch pools (no AVX-512; MemoryFormatTest).
        assertThat(model.memoryFormat(Device.cpu())).isEqualTo(training.memoryFormat());
        EvaluationReport again = CheckpointEvaluation.on(model, test, Device.cpu());
        assertThat(again.confusion()).isDeepEqualTo(pooling.test().confusion());
        try (NDManager manager = NDManager.newBaseManager(Device.cpu(), DjlRuntime.ENGINE);
                ImageBatches batches = new ImageBatches(test, Normalization.of(model.manifest().evalTransform()),
                        manager, Device.cpu())) {
            Block block = model.loadBlock(manager);
            EvaluationReport contiguous = Evaluator.evaluate(block, MemoryFormat.CONTIGUOUS, batches, test.classes(),
                    100, 5);
            EvaluationReport channelsLast = Evaluator.evaluate(block, MemoryFormat.CHANNELS_LAST, batches,
                    test.classes(), 100, 5);

            assertThat(channelsLast.confusion()).isDeepEqualTo(contiguous.confusion());
            assertThat(channelsLast.topKAccuracy()).isEqualTo(contiguous.topKAccuracy());
            assertThat(channelsLast.loss()).isCloseTo(contiguous.loss(), within(1e-5));
            assertThat(contiguous.confusion()).isDeepEqualTo(pooling.test().confusion());
        }
    }
}
