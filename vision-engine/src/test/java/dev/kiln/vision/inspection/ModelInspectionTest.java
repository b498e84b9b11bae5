package dev.kiln.vision.inspection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import dev.kiln.contracts.architectures.ArchitectureSummary;
import dev.kiln.contracts.architectures.ModelSpec;
import dev.kiln.contracts.architectures.ShapeInference;
import dev.kiln.contracts.messaging.Json;
import dev.kiln.contracts.models.ImportManifest;
import dev.kiln.contracts.runs.TrainingSpec;
import dev.kiln.vision.RepoFiles;
import dev.kiln.vision.checkpoints.Checkpoint;
import dev.kiln.vision.datasets.ImageSet;
import dev.kiln.vision.engine.DjlRuntime;
import dev.kiln.vision.imports.TorchScriptFixtures;
import dev.kiln.vision.imports.TorchScriptImport;
import dev.kiln.vision.pipeline.TrainTestData;
import dev.kiln.vision.serving.Classifier;
import dev.kiln.vision.serving.ImageInputs;
import dev.kiln.vision.training.ClassifierTraining;
import dev.kiln.vision.training.TrainingResult;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Networks trained briefly on the real MNIST sample, loaded as the inference service loads them, looked inside: the
 * filters are the first convolution's, the feature maps have the sizes shape inference gives (and the first one is
 * the convolution computed by hand), and the saliency of an image explains the class the classifier predicts.
 */
class ModelInspectionTest {

    /** Batch norm after a convolution, a residual block with two convolutions, one with a projected shortcut. */
    private static final String RESIDUAL = """
            {"layers": [
              {"type": "conv2d", "out": 8, "kernel": 3, "padding": 1}, {"type": "batchnorm"}, {"type": "relu"},
              {"type": "maxpool"},
              {"type": "residual", "layers": [{"type": "conv2d", "out": 8, "kernel": 3, "padding": 1},
                                              {"type": "batchnorm"}, {"type": "relu"},
                                              {"type": "conv2d", "out": 8, "kernel": 3, "padding": 1}]},
              {"type": "residual", "layers": [{"type": "conv2d", "out": 12, "kernel": 3, "stride": 2, "padding": 1},
                                              {"type": "gelu"}]},
              {"type": "adaptiveavgpool"}, {"type": "flatten"}, {"type": "linear"}]}""";

    private static TrainTestData digits;
    private static Classifier cnn;

    @BeforeAll
    static void train() throws Exception {
        digits = RepoFiles.mnistSample();
        DjlRuntime.prepareThread();
        cnn = Classifier.load(trained("\"mnist-cnn\"").forInference(), Device.cpu());
    }

    @AfterAll
    static void close() {
        if (cnn != null) {
            cnn.close();
        }
    }

    @Test
    void theFiltersAreTheFirstConvolutionsWeights() {
        ConvFilters filters = ModelInspection.filters(cnn);

        // mnist-cnn: Conv2d(1, 6, 5) first.
        assertThat(filters.layer()).isEqualTo("0");
        assertThat(filters.outChannels()).isEqualTo(6);
        assertThat(filters.inChannels()).isEqualTo(1);
        assertThat(filters.kernel()).containsExactly(5, 5);
        assertThat(filters.filters()).hasSize(6);
        for (ConvFilters.Filter filter : filters.filters()) {
            assertThat(filter.weights()).hasSize(25);
            assertThat(filter.bias()).isNotNull();
            float[] sorted = filter.weights().clone();
            Arrays.sort(sorted);
            assertThat(filter.min()).isEqualTo(sorted[0]);
            assertThat(filter.max()).isEqualTo(sorted[24]).isGreaterThan(filter.min());
        }
        assertThat(filters.filters().get(0).weights()).isNotEqualTo(filters.filters().get(1).weights());
    }

    @Test
    void featureMapsHaveTheSizesShapeInferenceGivesAndAreTheConvolutionOfTheImage() {
        ImageSet test = digits.test();
        float[] input = ImageInputs.fromPixels(test.pixels(), 0, cnn.transform());

        FeatureMaps maps = ModelInspection.featureMaps(cnn, input, 4);

        List<ArchitectureSummary.Row> convolutions = convolutionRows(ModelSpec.named("mnist-cnn"), 1);
        assertThat(maps.input()).containsExactly(1, 28, 28);
        assertThat(maps.layers()).extracting(FeatureMaps.Layer::name).containsExactly("0", "3");
        assertThat(maps.layers()).extracting(layer -> List.of(layer.channels(), layer.height(), layer.width()))
                .isEqualTo(convolutions.stream().map(ArchitectureSummary.Row::output).toList())
                .containsExactly(List.of(6, 24, 24), List.of(6, 8, 8));
        for (FeatureMaps.Layer layer : maps.layers()) {
            assertThat(layer.after()).containsExactly("conv2d", "relu");
            assertThat(layer.maps()).hasSize(4).extracting(FeatureMaps.ChannelMap::channel).containsExactly(0, 1, 2, 3);
            for (FeatureMaps.ChannelMap map : layer.maps()) {
                assertThat(map.values()).hasSize(layer.height() * layer.width());
                assertThat(map.min()).as("after a ReLU").isGreaterThanOrEqualTo(0f);
            }
        }
        assertThat(maps.layers().get(0).maps().get(0).max()).isGreaterThan(0f);

        // Channel 1 of the first layer, computed from the filter the filters call reports: relu(bias + w * x).
        ConvFilters.Filter filter = ModelInspection.filters(cnn).filters().get(1);
        float[] map = maps.layers().get(0).maps().get(1).values();
        for (int y = 0; y < 24; y++) {
            for (int x = 0; x < 24; x++) {
                double sum = filter.bias();
                for (int ky = 0; ky < 5; ky++) {
                    for (int kx = 0; kx < 5; kx++) {
                        sum += filter.weights()[ky * 5 + kx] * input[(y + ky) * 28 + x + kx];
                    }
                }
                assertThat((double) map[y * 24 + x]).as("(%d, %d)", y, x).isCloseTo(Math.max(0, sum), within(1e-4));
            }
        }

        assertThat(ModelInspection.featureMaps(cnn, input, 16).layers().get(0).maps()).as("all 6 of 6").hasSize(6);

        // A channel of both layers is 24*24 + 8*8 = 640 values: 1000 hold one channel a layer, not two.
        assertThat(ModelInspection.featureMaps(cnn, input, 1, 1000).layers()).hasSize(2);
        assertThatThrownBy(() -> ModelInspection.featureMaps(cnn, input, 4, 1000))
                .isInstanceOf(TooManyValuesException.class).hasMessageContaining("hold 2560 values")
                .hasMessageContaining("ask for at most 1")
                .satisfies(e -> assertThat(((TooManyValuesException) e).channelsThatFit()).isEqualTo(1));
    }

    @Test
    void residualAndBatchNormNetworksAreWalkedToEveryConvolution() throws Exception {
        DjlRuntime.prepareThread();
        try (Classifier residual = Classifier.load(trained(RESIDUAL).forInference(), Device.cpu())) {
            float[] input = ImageInputs.fromPixels(digits.test().pixels(), 0, residual.transform());

            FeatureMaps maps = ModelInspection.featureMaps(residual, input, ModelInspection.MAX_CHANNELS);

            List<ArchitectureSummary.Row> convolutions = convolutionRows(
                    Json.readStrict(RESIDUAL, ModelSpec.class), 1);
            // The summary's rows leave out the projection shape inference adds to the second residual's shortcut
            // (a 1x1 convolution with the main branch's stride, then batch norm): the layout has it, and so the walk.
            assertThat(maps.layers()).extracting(FeatureMaps.Layer::name)
                    .startsWith(convolutions.stream().map(ArchitectureSummary.Row::name).toArray(String[]::new))
                    .containsExactly("0", "4.layers.0", "4.layers.3", "5.layers.0", "5.shortcut.0");
            assertThat(maps.layers()).extracting(layer -> List.of(layer.channels(), layer.height(), layer.width()))
                    .startsWith(convolutions.stream().map(ArchitectureSummary.Row::output).toArray(List[]::new))
                    .containsExactly(List.of(8, 28, 28), List.of(8, 14, 14), List.of(8, 14, 14), List.of(12, 7, 7),
                            List.of(12, 7, 7));
            assertThat(maps.layers()).extracting(FeatureMaps.Layer::after).containsExactly(
                    List.of("conv2d", "batchnorm", "relu"), List.of("conv2d", "batchnorm", "relu"),
                    List.of("conv2d"), List.of("conv2d", "gelu"), List.of("conv2d", "batchnorm"));
            assertThat(maps.layers().get(4).maps()).hasSize(12);
            assertThat(ModelInspection.filters(residual).kernel()).containsExactly(3, 3);
            assertSaliencyExplainsThePrediction(residual, input);
            assertGradCamExplainsThePrediction(residual, input, "5.shortcut.0");
        }
    }

    @Test
    void saliencyIsAnImageInZeroToOneForTheClassTheClassifierPredicts() {
        ImageSet test = digits.test();
        float[] before = cnn.probabilities(ImageInputs.fromPixels(test.pixels(), 0, cnn.transform()), 1);
        for (int i = 0; i < 10; i++) {
            assertSaliencyExplainsThePrediction(cnn, ImageInputs.fromPixels(test.pixels(), i * test.imageBytes(),
                    cnn.transform()));
        }

        for (int i = 0; i < 10; i++) {
            assertGradCamExplainsThePrediction(cnn, ImageInputs.fromPixels(test.pixels(), i * test.imageBytes(),
                    cnn.transform()), "3");
        }

        // Another class's saliency is another picture.
        float[] input = ImageInputs.fromPixels(test.pixels(), 0, cnn.transform());
        SaliencyMap predicted = ModelInspection.saliency(cnn, input, null);
        int other = (predicted.predicted() + 1) % 10;
        SaliencyMap explained = ModelInspection.saliency(cnn, input, other);
        assertThat(explained.classIndex()).isEqualTo(other);
        assertThat(explained.predicted()).isEqualTo(predicted.predicted());
        assertThat(explained.values()).isNotEqualTo(predicted.values());

        // The served network is untouched: no parameter takes gradients, the same image scores the same.
        for (Pair<String, Parameter> parameter : cnn.block().getParameters()) {
            assertThat(parameter.getValue().getArray().hasGradient()).as(parameter.getKey()).isFalse();
        }
        assertThat(cnn.probabilities(input, 1)).containsExactly(before);
    }

    @Test
    void modelsWithoutLayersToShowAreRefusedWithTheReason() throws Exception {
        float[] digit = ImageInputs.fromPixels(digits.test().pixels(), 0, cnn.transform());
        DjlRuntime.prepareThread();
        try (Classifier mlp = Classifier.load(trained("\"mlp\"").forInference(), Device.cpu())) {
            assertThatThrownBy(() -> ModelInspection.filters(mlp)).isInstanceOf(NotInspectableException.class)
                    .hasMessageContaining("(mlp) has no convolution layer");
            assertThatThrownBy(() -> ModelInspection.featureMaps(mlp, digit, 16))
                    .isInstanceOf(NotInspectableException.class);
            assertSaliencyExplainsThePrediction(mlp, digit);
            assertThatThrownBy(() -> ModelInspection.gradCam(mlp, digit, null))
                    .isInstanceOf(NotInspectableException.class);
        }

        Checkpoint imported = TorchScriptImport.checkpoint(TorchScriptFixtures.read("traced.pt"), Json.readStrict(
                new String(TorchScriptFixtures.read("manifest.json"), StandardCharsets.UTF_8), ImportManifest.class));
        try (Classifier torchScript = Classifier.load(imported, Device.cpu())) {
            float[] input = new float[torchScript.inputSize()];
            assertThatThrownBy(() -> ModelInspection.filters(torchScript)).isInstanceOf(NotInspectableException.class)
                    .hasMessageContaining("imported TorchScript model");
            assertThatThrownBy(() -> ModelInspection.featureMaps(torchScript, input, 16))
                    .isInstanceOf(NotInspectableException.class);
            assertThatThrownBy(() -> ModelInspection.saliency(torchScript, input, null))
                    .isInstanceOf(NotInspectableException.class);
            assertThatThrownBy(() -> ModelInspection.gradCam(torchScript, input, null))
                    .isInstanceOf(NotInspectableException.class);
        }
    }

    @Test
    void gradCamMapsAreResizedBilinearlyWithHalfPixelCentres() {
        assertThat(ModelInspection.resize(new float[] {0, 1, 0, 1}, 2, 2, 4, 4)).containsExactly(
                0f, 0.25f, 0.75f, 1f, 0f, 0.25f, 0.75f, 1f, 0f, 0.25f, 0.75f, 1f, 0f, 0.25f, 0.75f, 1f);
        assertThat(ModelInspection.resize(new float[] {3, 3, 3, 3}, 2, 2, 5, 3)).containsOnly(3f).hasSize(15);
    }

    private static void assertGradCamExplainsThePrediction(Classifier classifier, float[] input, String layer) {
        SaliencyMap cam = ModelInspection.gradCam(classifier, input, null);

        assertThat(cam.method()).isEqualTo(SaliencyMap.GRAD_CAM);
        assertThat(cam.layer()).isEqualTo(layer);
        assertMapExplainsThePrediction(classifier, input, cam);
    }

    private static void assertSaliencyExplainsThePrediction(Classifier classifier, float[] input) {
        SaliencyMap saliency = ModelInspection.saliency(classifier, input, null);

        assertThat(saliency.method()).isEqualTo(SaliencyMap.GRADIENT);
        assertThat(saliency.layer()).isNull();
        assertMapExplainsThePrediction(classifier, input, saliency);
    }

    private static void assertMapExplainsThePrediction(Classifier classifier, float[] input, SaliencyMap saliency) {
        float[] probabilities = classifier.probabilities(input, 1);

        assertThat(saliency.height()).isEqualTo(28);
        assertThat(saliency.width()).isEqualTo(28);
        assertThat(saliency.values()).hasSize(28 * 28);
        float min = Float.MAX_VALUE;
        float max = 0;
        for (float v : saliency.values()) {
            assertThat(v).isBetween(0f, 1f);
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        assertThat(max).as("scaled to its largest").isEqualTo(1f);
        assertThat(min).as("not all equal").isLessThan(1f);
        assertThat(saliency.predicted()).isEqualTo(argmax(probabilities)).isEqualTo(saliency.classIndex());
        for (int c = 0; c < probabilities.length; c++) {
            assertThat(saliency.probabilities()[c]).isCloseTo(probabilities[c], within(1e-5f));
        }
    }

    private static List<ArchitectureSummary.Row> convolutionRows(ModelSpec model, int channels) {
        return ShapeInference.summarize(model, Map.of(), channels, 28, 28, 10).layers().stream()
                .filter(row -> row.type().equals("conv2d")).toList();
    }

    private static Checkpoint trained(String model) {
        TrainingSpec spec = Json.readStrict("{\"dataset\": \"mnist-sample\", \"model\": " + model
                + ", \"epochs\": 1, \"seed\": 3}", TrainingSpec.class);
        TrainingResult result = new ClassifierTraining(spec, digits, Device.cpu()).run();
        assertThat(result.succeeded()).as(result.reason()).isTrue();
        return result.model();
    }

    private static int argmax(float[] values) {
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            best = values[i] > values[best] ? i : best;
        }
        return best;
    }
}
