package dev.kiln.vision.evaluation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import dev.kiln.contracts.runs.EvaluationReport;
import dev.kiln.contracts.runs.TrainingSpec;
import dev.kiln.vision.RepoFiles;
import dev.kiln.vision.datasets.ImageSet;
import dev.kiln.vision.evaluation.CheckpointEvaluation.NotComparableException;
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
}
