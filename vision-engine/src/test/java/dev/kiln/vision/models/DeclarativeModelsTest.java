package dev.kiln.vision.models;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import dev.kiln.contracts.architectures.ArchitectureSummary;
import dev.kiln.contracts.architectures.BuiltInArchitectures;
import dev.kiln.contracts.architectures.LayerSpec;
import dev.kiln.contracts.architectures.LayerType;
import dev.kiln.contracts.architectures.ShapeInference;
import dev.kiln.contracts.validation.FieldError;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/**
 * Every registry architecture re-expressed as declarative layers: the summary's arithmetic, the DJL blocks
 * built from the layers and the registry's own blocks all count PyTorch's parameters.
 */
class DeclarativeModelsTest {

    @ParameterizedTest(name = "{0} = {4}")
    @CsvSource({
        "fc2layer, 1, 28, 28, 6442",
        "mnist-cnn, 1, 28, 28, 6422",
        "mlp, 1, 28, 28, 218058",
        "cifar-cnn, 3, 32, 32, 230594",
        "lenet, 3, 32, 32, 62006",
        "confignet, 3, 32, 32, 3716154",
        "vgg11, 3, 32, 32, 9231114",
        "vgg16, 3, 32, 32, 14728266",
        "resnet18, 3, 32, 32, 11173962",
    })
    void everyRegistryModelReExpressedDeclarativelyHasPytorchsParameterCount(String model, int channels,
            int height, int width, long pytorch) {
        ArchitectureSummary summary = summary(BuiltInArchitectures.layers(model, Map.of()), channels, height, width);
        Shape input = new Shape(channels, height, width);

        assertThat(summary.parameters()).as("summary").isEqualTo(pytorch);
        assertThat(ParameterCounts.trainable(DeclarativeModels.build(summary.layout()), input)).as("declarative DJL")
                .isEqualTo(pytorch);
        assertThat(ParameterCounts.trainable(ModelRegistry.build(model, Map.of(), 10), input)).as("registry")
                .isEqualTo(pytorch);
        assertThat(summary.output()).containsExactly(10);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"fc2layer, 1, 28", "mnist-cnn, 1, 28", "mlp, 1, 28", "cifar-cnn, 3, 32", "lenet, 3, 32",
        "confignet, 3, 32", "vgg11, 3, 32", "vgg16, 3, 32", "resnet18, 3, 32"})
    void theSummarysLayerNamesFindEachLayersParametersInTheRegistrysBlocks(String model, int channels, int size) {
        ArchitectureSummary summary = summary(BuiltInArchitectures.layers(model, Map.of()), channels, size, size);
        Block block = ModelRegistry.build(model, Map.of(), 10);
        try (NDManager manager = NDManager.newBaseManager()) {
            block.initialize(manager, DataType.FLOAT32, new Shape(1, channels, size, size));

            Map<String, List<Parameter>> layers = LayerParameters.of(summary.layout(), block);

            for (ArchitectureSummary.Row row : summary.layers()) {
                if (row.parameters() > 0 && !row.type().equals("residual")) {
                    long trainable = layers.get(row.name()).stream().filter(Parameter::requiresGradient)
                            .mapToLong(p -> p.getArray().size()).sum();
                    assertThat(trainable).as("layer %s (%s)", row.name(), row.type()).isEqualTo(row.parameters());
                }
            }
        }
    }

    @Test
    void everyLayerTypeBuildsAndGivesTheShapeInferenceSays() {
        List<LayerSpec> layers = List.of(
                LayerSpec.conv2d(8, 3, 1),
                LayerSpec.of(LayerType.BATCHNORM),
                new LayerSpec("leakyrelu", null, null, null, null, null, null, null, null, 0.1, null, null),
                new LayerSpec("conv2d", "depthwise", 8, 3, 1, 1, 8, false, null, null, null, null),
                LayerSpec.of(LayerType.GELU),
                new LayerSpec("avgpool", null, null, 3, 2, 1, null, null, null, null, null, null),
                LayerSpec.residual(List.of(LayerSpec.conv2d(16, 3, 2, 1, false), LayerSpec.of(LayerType.SILU)), null),
                LayerSpec.maxPool(2),
                LayerSpec.of(LayerType.ADAPTIVEAVGPOOL),
                LayerSpec.of(LayerType.FLATTEN),
                LayerSpec.dropout(0.3),
                LayerSpec.head());
        ArchitectureSummary summary = summary(layers, 3, 28, 28);
        assertThat(summary.layers()).extracting(ArchitectureSummary.Row::output).containsExactly(
                List.of(8, 28, 28), List.of(8, 28, 28), List.of(8, 28, 28), List.of(8, 28, 28), List.of(8, 28, 28),
                List.of(8, 14, 14), List.of(16, 7, 7), List.of(16, 7, 7), List.of(16, 7, 7), List.of(16, 3, 3),
                List.of(16, 1, 1), List.of(16), List.of(16), List.of(10));
        // conv 3*8*9+8, bn 16, depthwise 8*9, residual conv 8*16*9 and projection 8*16 + bn 32, head 16*10+10
        assertThat(summary.parameters()).isEqualTo(224 + 16 + 72 + 1152 + 128 + 32 + 170);

        Block block = DeclarativeModels.build(summary.layout());
        try (NDManager manager = NDManager.newBaseManager()) {
            block.initialize(manager, DataType.FLOAT32, new Shape(2, 3, 28, 28));
            NDArray out = block.forward(new ParameterStore(manager, false),
                    new NDList(manager.randomNormal(new Shape(2, 3, 28, 28))), false).singletonOrThrow();
            assertThat(out.getShape()).isEqualTo(new Shape(2, 10));
            assertThat(ParameterCounts.trainable(block, new Shape(3, 28, 28))).isEqualTo(summary.parameters());
        }
    }

    private static ArchitectureSummary summary(List<LayerSpec> layers, int channels, int height, int width) {
        List<FieldError> errors = new ArrayList<>();
        ArchitectureSummary summary = ShapeInference.infer(layers, channels, height, width, 10, "model", errors)
                .orElse(null);
        assertThat(errors).isEmpty();
        return summary;
    }
}
