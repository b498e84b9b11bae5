package dev.kiln.vision.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import dev.kiln.contracts.runs.TrainingSpec;
import dev.kiln.vision.RepoFiles;
import dev.kiln.vision.datasets.ImageSet;
import dev.kiln.vision.engine.DjlRuntime;
import dev.kiln.vision.pipeline.TrainTestData;
import dev.kiln.vision.training.ClassifierTraining;
import dev.kiln.vision.training.TrainingResult;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A trained checkpoint, served from PNG files, scores exactly as the run's own test evaluation did. */
class ClassifierTest {

    private static TrainTestData data;
    private static TrainingResult trained;

    @BeforeAll
    static void train() throws Exception {
        data = RepoFiles.mnistSample();
        trained = new ClassifierTraining(TrainingSpec.of("mnist-sample", "mlp", 1, 64, "sgd", 0.1, 5L).withDefaults(),
                data, Device.cpu()).run();
        assertThat(trained.succeeded()).isTrue();
    }

    @Test
    void pngsOfTheTestSetScoreTheRunsTestAccuracy() throws Exception {
        ImageSet test = data.test();
        DjlRuntime.prepareThread();
        try (Classifier classifier = Classifier.load(trained.model().forInference(), Device.cpu())) {
            int batch = 100;
            int correct = 0;
            double probabilitySum = 0;
            for (int start = 0; start < test.size(); start += batch) {
                int count = Math.min(batch, test.size() - start);
                float[] inputs = new float[count * classifier.inputSize()];
                for (int i = 0; i < count; i++) {
                    float[] one = ImageInputs.fromEncoded(PngImages.encode(test, start + i), classifier.transform());
                    System.arraycopy(one, 0, inputs, i * one.length, one.length);
                }
                float[] probabilities = classifier.probabilities(inputs, count);
                int classes = classifier.classes().size();
                for (int i = 0; i < count; i++) {
                    int best = 0;
                    for (int k = 0; k < classes; k++) {
                        probabilitySum += probabilities[i * classes + k];
                        if (probabilities[i * classes + k] > probabilities[i * classes + best]) {
                            best = k;
                        }
                    }
                    correct += best == test.labels()[start + i] ? 1 : 0;
                }
            }

            assertThat(probabilitySum / test.size()).as("each row of probabilities sums to 1").isCloseTo(1.0, within(1e-4));
            assertThat((double) correct / test.size()).isEqualTo(trained.test().accuracy());
            assertThat(trained.test().accuracy()).isGreaterThan(0.85);
        }
    }

    @Test
    void onOnnxRuntimeEveryTestImageGetsLibtorchsClassAndProbabilities() throws Exception {
        ImageSet test = data.test();
        float[] inputs = new float[test.size() * test.imageBytes()];
        var transform = trained.model().manifest().evalTransform();
        for (int i = 0; i < test.size(); i++) {
            System.arraycopy(ImageInputs.fromPixels(test.pixels(), i * test.imageBytes(), transform), 0, inputs,
                    i * test.imageBytes(), test.imageBytes());
        }
        DjlRuntime.prepareThread();
        float[] libtorch;
        try (Classifier classifier = Classifier.load(trained.model().forInference(), Device.cpu())) {
            assertThat(classifier.engine()).isEqualTo(ForwardEngine.LIBTORCH);
            libtorch = classifier.probabilities(inputs, test.size());
        }
        try (Classifier classifier = Classifier.load(trained.model().forInference(), Device.cpu(),
                ForwardEngine.ONNX_RUNTIME)) {
            assertThat(classifier.engineFallback()).isEmpty();
            assertThat(classifier.engine()).isEqualTo(ForwardEngine.ONNX_RUNTIME);
            float[] onnxRuntime = classifier.probabilities(inputs, test.size());
            float[] single = classifier.probabilities(Arrays.copyOf(inputs, test.imageBytes()), 1);

            int classes = classifier.classes().size();
            assertThat(onnxRuntime).hasSameSizeAs(libtorch);
            assertThat(single).containsExactly(Arrays.copyOf(onnxRuntime, classes), within(1e-6f));
            for (int i = 0; i < test.size(); i++) {
                assertThat(argMax(onnxRuntime, i * classes, classes)).as("image %d", i)
                        .isEqualTo(argMax(libtorch, i * classes, classes));
                for (int k = 0; k < classes; k++) {
                    assertThat(onnxRuntime[i * classes + k]).isCloseTo(libtorch[i * classes + k],
                            within((float) Classifier.ENGINE_TOLERANCE));
                }
            }
        }
    }

    private static int argMax(float[] values, int offset, int length) {
        int best = 0;
        for (int k = 1; k < length; k++) {
            best = values[offset + k] > values[offset + best] ? k : best;
        }
        return best;
    }

    @Test
    void decodedPngsAreTheDataSetsOwnPixels() throws Exception {
        ImageSet test = data.test();
        var transform = trained.model().manifest().evalTransform();
        for (int i = 0; i < 20; i++) {
            byte[] pixels = ImageInputs.decode(PngImages.encode(test, i), transform);

            assertThat(ImageInputs.fromPixels(pixels, 0, transform))
                    .containsExactly(ImageInputs.fromPixels(test.pixels(), i * test.imageBytes(), transform));
        }
    }
}
