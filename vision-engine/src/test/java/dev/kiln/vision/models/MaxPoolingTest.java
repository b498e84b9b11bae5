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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The oneDNN pool against DJL's own: the same values and the same gradients, ties and NaN included, whichever CPU runs
 * the test (the oneDNN pool is made on every CPU here, though models use it only where it is fast).
 */
class MaxPoolingTest {

    private static final Shape TWO = new Shape(2, 2);
    private static final Shape NO_PADDING = new Shape(0, 0);

    private static Block oneDnnPool() {
        return MaxPooling.block(TWO, TWO, NO_PADDING, true);
    }

    @Test
    void oneDnnPoolsWhereTheCpuHasAvx512sCoreInstructions() {
        // An AMD EPYC of the Zen 4 kind (AVX-512), and one of the Zen 3 kind (AVX2 at most), as /proc/cpuinfo lists them.
        assertThat(MaxPooling.oneDnnPoolsFast(" fpu sse4_2 avx avx2 fma avx512f avx512dq avx512cd avx512bw avx512vl"
                + " avx512_bf16 vaes")).isTrue();
        assertThat(MaxPooling.oneDnnPoolsFast(" fpu sse4_2 avx avx2 fma vaes vpclmulqdq")).isFalse();
        // AVX-512's foundation alone (the first Xeon Phi) is not oneDNN's avx512_core.
        assertThat(MaxPooling.oneDnnPoolsFast("avx2 avx512f avx512cd avx512er avx512pf")).isFalse();
        assertThat(MaxPooling.oneDnnPoolsFast("")).isFalse();
    }

    @Test
    void readsTheFirstProcessorsFlags(@TempDir Path dir) throws Exception {
        Path cpuinfo = dir.resolve("cpuinfo");
        Files.writeString(cpuinfo, """
                processor\t: 0
                vendor_id\t: AuthenticAMD
                flags\t\t: fpu avx2 avx512f avx512dq avx512bw avx512vl
                vmx flags\t: ept
                processor\t: 1
                flags\t\t: fpu avx2
                """);

        assertThat(MaxPooling.cpuFlags(cpuinfo)).isEqualTo(" fpu avx2 avx512f avx512dq avx512bw avx512vl");
        assertThat(MaxPooling.oneDnnPoolsFast(MaxPooling.cpuFlags(cpuinfo))).isTrue();
        assertThat(MaxPooling.cpuFlags(dir.resolve("missing"))).isEmpty();
    }

    @ParameterizedTest(name = "{0}x{1}x{2}x{3}, kernel {4}, stride {5}, padding {6}, rectified {7}")
    @CsvSource({
        // lenet's and mnist-cnn's first pool, cifar-cnn's, an odd size that drops a row, a 3x3 pool with padding
        // (its windows overlap) on rectified inputs and on negative ones (the padding must never be the maximum)
        "64, 6, 24, 24, 2, 2, 0, true",
        "64, 32, 28, 28, 2, 2, 0, true",
        "3, 4, 7, 9, 2, 2, 0, true",
        "2, 8, 15, 15, 3, 2, 1, true",
        "2, 8, 15, 15, 3, 2, 1, false",
    })
    void poolsAsDjlsMaxPoolForwardAndBackward(int n, int c, int h, int w, int kernel, int stride, int padding,
            boolean rectified) {
        DjlRuntime.prepareThread();
        Shape k = new Shape(kernel, kernel);
        Shape s = new Shape(stride, stride);
        Shape p = new Shape(padding, padding);
        try (NDManager manager = NDManager.newBaseManager(Device.cpu(), DjlRuntime.ENGINE)) {
            NDArray input = manager.randomNormal(new Shape(n, c, h, w));
            // Rectified, most windows of the zero half hold several equal maxima.
            input = rectified ? input.maximum(0f) : input.sub(3f);
            assertThat(MaxPooling.onOneDnn(input, k, p)).isTrue();
            assertSameAsDjls(manager, MaxPooling.block(k, s, p, true), input, k, s, p);
        }
    }

    @Test
    void aNanInAWindowIsItsMaximumAsInDjlsPool() {
        DjlRuntime.prepareThread();
        try (NDManager manager = NDManager.newBaseManager(Device.cpu(), DjlRuntime.ENGINE)) {
            float[] values = manager.arange(32f).toFloatArray();
            values[2] = Float.NaN; // the second window of the first plane
            NDArray input = manager.create(values, new Shape(2, 1, 4, 4));
            assertThat(MaxPooling.onOneDnn(input, TWO, NO_PADDING)).isTrue();

            NDArray pooled = forward(manager, oneDnnPool(), input, false);

            assertThat(pooled.toFloatArray()).containsExactly(5, Float.NaN, 13, 15, 21, 23, 29, 31);
        }
    }

    @Test
    void trainingAndInferenceTakeTurnsOnOneThread() {
        // TorchScript's executor specialises a module on its first calls; autograd on and off must both keep working.
        DjlRuntime.prepareThread();
        Block block = oneDnnPool();
        try (NDManager manager = NDManager.newBaseManager(Device.cpu(), DjlRuntime.ENGINE)) {
            for (int turn = 0; turn < 4; turn++) {
                NDArray input = manager.randomNormal(new Shape(8, 3, 12, 12));
                assertSameAsDjls(manager, block, input, TWO, TWO, NO_PADDING);
                input.setRequiresGradient(true);
                NDArray inferred = forward(manager, block, input, false);
                assertThat(inferred.hasGradient()).as("recorded nothing").isFalse();
                assertThat(inferred.contentEquals(input.getNDArrayInternal().maxPool(TWO, TWO, NO_PADDING, false)))
                        .isTrue();
            }
        }
    }

    @Test
    void threadsPoolAtOnce() throws Exception {
        Block block = oneDnnPool();
        ExecutorService threads = Executors.newFixedThreadPool(4);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                results.add(threads.submit(() -> {
                    DjlRuntime.prepareThread();
                    boolean same = true;
                    for (int i = 0; i < 25; i++) {
                        try (NDManager manager = NDManager.newBaseManager(Device.cpu(), DjlRuntime.ENGINE)) {
                            NDArray input = manager.randomNormal(new Shape(16, 6, 24, 24));
                            same &= forward(manager, block, input, false)
                                    .contentEquals(input.getNDArrayInternal().maxPool(TWO, TWO, NO_PADDING, false));
                        }
                    }
                    return same;
                }));
            }
            for (Future<Boolean> result : results) {
                assertThat(result.get()).isTrue();
            }
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    void leavesOtherDataTypesNamedArraysAndTooSmallInputsToDjl() {
        DjlRuntime.prepareThread();
        Block block = oneDnnPool();
        try (NDManager manager = NDManager.newBaseManager(Device.cpu(), DjlRuntime.ENGINE)) {
            NDArray doubles = manager.arange(16f).reshape(1, 1, 4, 4).toType(DataType.FLOAT64, false);
            NDArray named = manager.arange(16f).reshape(1, 1, 4, 4);
            named.setName("images");

            assertThat(MaxPooling.onOneDnn(doubles, TWO, NO_PADDING)).isFalse();
            assertThat(MaxPooling.onOneDnn(named, TWO, NO_PADDING)).isFalse();
            assertThat(MaxPooling.onOneDnn(manager.zeros(new Shape(1, 1, 1, 4)), TWO, NO_PADDING)).isFalse();
            assertThat(MaxPooling.onOneDnn(manager.zeros(new Shape(1, 1, 4, 4)), TWO, new Shape(2, 2))).isFalse();
            assertThat(forward(manager, block, named, false).toFloatArray()).containsExactly(5, 7, 13, 15);
            assertThat(forward(manager, block, doubles, false).toDoubleArray()).containsExactly(5, 7, 13, 15);
        }
    }

    private static NDArray forward(NDManager manager, Block block, NDArray input, boolean training) {
        return block.forward(new ParameterStore(manager, false), new NDList(input), training).singletonOrThrow();
    }

    /** The block's values and gradients (autograd on) against DJL's pool. */
    private static void assertSameAsDjls(NDManager manager, Block block, NDArray input, Shape k, Shape s, Shape p) {
        NDArray ours = input.duplicate();
        NDArray djls = input.duplicate();
        ours.setRequiresGradient(true);
        djls.setRequiresGradient(true);
        DjlRuntime.GRADIENTS.lock();
        try (GradientCollector collector = Engine.getEngine(DjlRuntime.ENGINE).newGradientCollector()) {
            NDArray pooled = forward(manager, block, ours, true);
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
