package dev.kiln.vision.models;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import dev.kiln.vision.engine.DjlRuntime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The oneDNN pool against DJL's own: the same values and the same gradients, ties included. */
class MaxPoolingTest {

    @ParameterizedTest(name = "{0}x{1}x{2}x{3}, kernel {4}, stride {5}, padding {6}")
    @CsvSource({
        // lenet's and mnist-cnn's first pool, cifar-cnn's, an odd size that drops a row, ResNet's 3x3 stem pool
        "64, 6, 24, 24, 2, 2, 0",
        "64, 32, 28, 28, 2, 2, 0",
        "3, 4, 7, 9, 2, 2, 0",
        "2, 8, 15, 15, 3, 2, 1",
    })
    void poolsAsDjlsMaxPoolForwardAndBackward(int n, int c, int h, int w, int kernel, int stride, int padding) {
        DjlRuntime.prepareThread();
        Shape k = new Shape(kernel, kernel);
        Shape s = new Shape(stride, stride);
        Shape p = new Shape(padding, padding);
        Block block = MaxPooling.block(k, s, p);
        try (NDManager manager = NDManager.newBaseManager(Device.cpu(), DjlRuntime.ENGINE)) {
            // ReLU'd, so most windows of the zero half hold several equal maxima.
            NDArray input = manager.randomNormal(new Shape(n, c, h, w)).maximum(0f);
            assertThat(MaxPooling.onOneDnn(input)).isTrue();
            NDArray ours = input.duplicate();
            NDArray djls = input.duplicate();
            ours.setRequiresGradient(true);
            djls.setRequiresGradient(true);
            DjlRuntime.GRADIENTS.lock();
            try (GradientCollector collector = Engine.getEngine(DjlRuntime.ENGINE).newGradientCollector()) {
                NDArray pooled = block.forward(new ParameterStore(manager, false), new NDList(ours), true)
                        .singletonOrThrow();
                NDArray expected = djls.getNDArrayInternal().maxPool(k, s, p, false);
                assertThat(pooled.getShape()).isEqualTo(expected.getShape());
                assertThat(pooled.contentEquals(expected)).as("the same values").isTrue();
                NDArray weights = manager.randomNormal(expected.getShape());
                collector.backward(pooled.mul(weights).sum());
                collector.backward(expected.mul(weights).sum());
            } finally {
                DjlRuntime.GRADIENTS.unlock();
            }
            NDArray gradient = ours.getGradient();
            NDArray expected = djls.getGradient();
            // The same elements get a gradient (ties broken alike); where windows overlap, an element's gradients are
            // summed in another order.
            assertThat(gradient.neq(0f).contentEquals(expected.neq(0f))).as("the same elements").isTrue();
            assertThat(gradient.allClose(expected, 1e-5, 1e-6, false)).as("the same gradients").isTrue();
            assertThat(gradient.neq(0f).sum().getLong()).isPositive();
        }
    }

    @Test
    void leavesOtherDataTypesAndNamedArraysToDjl() {
        DjlRuntime.prepareThread();
        Block block = MaxPooling.block(new Shape(2, 2), new Shape(2, 2));
        try (NDManager manager = NDManager.newBaseManager(Device.cpu(), DjlRuntime.ENGINE)) {
            NDArray doubles = manager.arange(16f).reshape(1, 1, 4, 4).toType(DataType.FLOAT64, false);
            NDArray named = manager.arange(16f).reshape(1, 1, 4, 4);
            named.setName("images");

            assertThat(MaxPooling.onOneDnn(doubles)).isFalse();
            assertThat(MaxPooling.onOneDnn(named)).isFalse();
            assertThat(block.forward(new ParameterStore(manager, false), new NDList(named), false)
                    .singletonOrThrow().toFloatArray()).containsExactly(5, 7, 13, 15);
            assertThat(block.forward(new ParameterStore(manager, false), new NDList(doubles), false)
                    .singletonOrThrow().toDoubleArray()).containsExactly(5, 7, 13, 15);
        }
    }
}
