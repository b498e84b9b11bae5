package dev.kiln.vision.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import dev.kiln.contracts.runs.Catalog;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Each architecture has exactly the parameter count of its PyTorch original. */
class ModelRegistryTest {

    private static final Shape MNIST = new Shape(1, 28, 28);
    private static final Shape CIFAR = new Shape(3, 32, 32);

    @ParameterizedTest(name = "{0} = {2}")
    @CsvSource({
        "fc2layer, mnist, 6442",
        "mnist-cnn, mnist, 6422",
        "mlp, mnist, 218058",
        "cifar-cnn, cifar, 230594",
        "lenet, cifar, 62006",
        "confignet, cifar, 3716154",
        "vgg11, cifar, 9231114",
        "vgg16, cifar, 14728266",
        "resnet18, cifar, 11173962",
    })
    void parameterCountsEqualPytorch(String model, String input, long expected) {
        Shape shape = input.equals("mnist") ? MNIST : CIFAR;

        assertThat(ParameterCounts.trainable(ModelRegistry.build(model, Map.of(), 10), shape)).isEqualTo(expected);
    }

    @Test
    void confignetGridSpansThePublishedRange() {
        long smallest = ParameterCounts.trainable(
                ModelRegistry.build("confignet", Map.of("c1", 48, "c2", 96, "l1", 256), 10), CIFAR);
        long largest = ParameterCounts.trainable(
                ModelRegistry.build("confignet", Map.of("c1", 96, "c2", 192, "l1", 512), 10), CIFAR);

        assertThat(smallest).isEqualTo(3_716_154L);
        // 2,688 + 83,040 + 166,080 + 331,968 convs, 55,296 BatchNorm1d(192*144), 14,156,288 + 5,130 linears
        assertThat(largest).isEqualTo(14_800_490L);
    }

    @Test
    void dropoutActsInTrainingOnlySoEvaluationIsRepeatable() {
        Block mlp = ModelRegistry.build("mlp", Map.of(), 10);
        try (NDManager manager = NDManager.newBaseManager()) {
            mlp.initialize(manager, DataType.FLOAT32, new Shape(4).addAll(MNIST));
            NDList input = new NDList(manager.randomUniform(0, 1, new Shape(4).addAll(MNIST)));
            ParameterStore parameters = new ParameterStore(manager, false);

            NDArray first = mlp.forward(parameters, input, false).singletonOrThrow();
            NDArray second = mlp.forward(parameters, input, false).singletonOrThrow();
            NDArray training = mlp.forward(parameters, input, true).singletonOrThrow();

            assertThat(second.toFloatArray()).containsExactly(first.toFloatArray());
            assertThat(training.toFloatArray()).isNotEqualTo(first.toFloatArray());
        }
    }

    @Test
    void everyCatalogModelIsRegisteredAndUnknownNamesAreRejected() {
        for (String model : Catalog.MODELS) {
            assertThat(ModelRegistry.build(model, Map.of(), 10)).as(model).isNotNull();
        }
        assertThatThrownBy(() -> ModelRegistry.build("alexnet", Map.of(), 10))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("alexnet");
    }
}
