package dev.kiln.vision.evaluation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import dev.kiln.contracts.runs.TrainingSpec;
import dev.kiln.vision.RepoFiles;
import dev.kiln.vision.checkpoints.Checkpoint;
import dev.kiln.vision.datasets.ImageSet;
import dev.kiln.vision.datasets.ImageSets;
import dev.kiln.vision.engine.DjlRuntime;
import dev.kiln.vision.pipeline.TrainTestData;
import dev.kiln.vision.serving.Classifier;
import dev.kiln.vision.serving.ImageInputs;
import dev.kiln.vision.training.ClassifierTraining;
import dev.kiln.vision.training.TrainingResult;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The misclassified test images a real training records (one epoch of a small network on the real MNIST sample,
 * about 10% of its 2,000 held-out digits wrong), checked against the served model's own probabilities for every
 * test image.
 */
class MisclassifiedCollectorTest {

    private static TrainTestData mnistSample;
    private static TrainingResult result;

    @BeforeAll
    static void train() throws Exception {
        mnistSample = RepoFiles.mnistSample();
        result = new ClassifierTraining(TrainingSpec.of("mnist-sample", "fc2layer", 1, 64, "sgd", 0.05, 3L),
                mnistSample, Device.cpu()).run();
    }

    @Test
    void everyRecordedImageIsAMistakeWithItsProbabilitiesAndItsPixels() throws Exception {
        ImageSet test = mnistSample.test();
        List<MisclassifiedImage> examples = result.misclassified();

        assertThat(examples).isNotEmpty();
        for (MisclassifiedImage example : examples) {
            assertThat(example.truth()).as("image %d", example.index()).isEqualTo(test.labels()[example.index()])
                    .isNotEqualTo(example.prediction());
            assertThat(example.probabilities()).hasSize(10);
            double sum = 0;
            for (float p : example.probabilities()) {
                sum += p;
                assertThat(p).isLessThanOrEqualTo(example.probability());
            }
            assertThat(sum).as("image %d", example.index()).isCloseTo(1.0, within(1e-4));
            BufferedImage png = ImageIO.read(new ByteArrayInputStream(example.png()));
            BufferedImage original = ImageSets.image(test, example.index());
            assertThat(png.getWidth()).isEqualTo(test.width());
            assertThat(png.getHeight()).isEqualTo(test.height());
            for (int y = 0; y < test.height(); y++) {
                for (int x = 0; x < test.width(); x++) {
                    assertThat(png.getRaster().getSample(x, y, 0)).as("image %d at %d,%d", example.index(), x, y)
                            .isEqualTo(Byte.toUnsignedInt(test.pixels()[example.index() * test.imageBytes()
                                    + y * test.width() + x]))
                            .isEqualTo(original.getRaster().getSample(x, y, 0));
                }
            }
        }
    }

    @Test
    void eachClassKeepsItsEightMostConfidentMistakesMostConfidentFirst() throws Exception {
        List<MisclassifiedImage> examples = result.misclassified();
        Map<Integer, List<MisclassifiedImage>> byTruth = examples.stream()
                .collect(Collectors.groupingBy(MisclassifiedImage::truth));
        assertThat(examples).extracting(MisclassifiedImage::truth).isSorted();
        byTruth.values().forEach(kept -> assertThat(kept).hasSizeLessThanOrEqualTo(MisclassifiedCollector.PER_CLASS)
                .isSortedAccordingTo(Comparator.comparingDouble(MisclassifiedImage::probability).reversed()));

        // Every test image through the result checkpoint, as serving loads it: the mistakes and how sure they were.
        ImageSet test = mnistSample.test();
        float[] probabilities;
        DjlRuntime.prepareThread();
        try (Classifier classifier = Classifier.load(Checkpoint.fromBytes(result.model().toBytes()).forInference(),
                Device.cpu())) {
            float[] inputs = new float[test.size() * classifier.inputSize()];
            for (int i = 0; i < test.size(); i++) {
                System.arraycopy(ImageInputs.fromPixels(test.pixels(), i * test.imageBytes(), classifier.transform()),
                        0, inputs, i * classifier.inputSize(), classifier.inputSize());
            }
            probabilities = classifier.probabilities(inputs, test.size());
        }
        for (int truth = 0; truth < 10; truth++) {
            int label = truth;
            List<Integer> mistakes = IntStream.range(0, test.size()).boxed()
                    .filter(i -> test.labels()[i] == label && argMax(probabilities, i) != label).toList();
            List<MisclassifiedImage> kept = byTruth.getOrDefault(truth, List.of());
            assertThat(kept).as("digit %d: %d mistakes", truth, mistakes.size())
                    .hasSize(Math.min(mistakes.size(), MisclassifiedCollector.PER_CLASS));
            for (MisclassifiedImage example : kept) {
                assertThat(mistakes).contains(example.index());
                for (int c = 0; c < 10; c++) {
                    assertThat(example.probabilities()[c]).isCloseTo(probabilities[example.index() * 10 + c],
                            within(1e-5f));
                }
            }
            float leastKept = kept.isEmpty() ? 1 : kept.get(kept.size() - 1).probability();
            List<Integer> keptIndices = kept.stream().map(MisclassifiedImage::index).toList();
            for (int i : mistakes) {
                if (!keptIndices.contains(i)) {
                    assertThat(probabilities[i * 10 + argMax(probabilities, i)]).as("digit %d, image %d left out",
                            truth, i).isLessThanOrEqualTo(leastKept + 1e-5f);
                }
            }
        }
        assertThat(byTruth.values()).as("one epoch leaves at least 8 mistakes of some digit")
                .anySatisfy(kept -> assertThat(kept).hasSize(MisclassifiedCollector.PER_CLASS));
    }

    private static int argMax(float[] probabilities, int image) {
        int best = 0;
        for (int c = 1; c < 10; c++) {
            best = probabilities[image * 10 + c] > probabilities[image * 10 + best] ? c : best;
        }
        return best;
    }
}
