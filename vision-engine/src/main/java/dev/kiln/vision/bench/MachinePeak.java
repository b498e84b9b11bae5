package dev.kiln.vision.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import java.util.function.Supplier;

/**
 * This machine's measured arithmetic peak through the natives training uses: the best rate of float32 square matrix
 * multiplies and of 3x3 convolutions on PyTorch (DJL's engine, with the thread settings already made), a few sizes of
 * each. A benchmark's achieved rate (its model's multiply-adds per image times images per second) over this says how
 * much headroom is left. The two kernels are different libraries: PyTorch's CPU build multiplies matrices in MKL and
 * convolves in oneDNN, and on an AMD CPU with AVX-512 (a Zen 5, 2026-12-07) MKL's multiplies reached about 106 GMAC/s
 * while the training steps of ResNet-18 and VGG-11, nearly all convolutions, reached 150 to 167: the multiplies alone
 * put those networks at 140 to 160% of "the peak".
 */
public final class MachinePeak {

    private static final int[] MATRIX_SIZES = {256, 512, 1024};
    /** Channels in and out of each convolution, and the side of its square input: ResNet-18's stages at 224 x 224. */
    private static final int[][] CONVOLUTIONS = {{64, 56}, {128, 28}, {256, 14}};
    private static final int CONVOLUTION_BATCH = 32;
    private static final long MIN_NANOS = 500_000_000L;

    /** The best rates of the two kernels, in multiply-adds per second. */
    public record Peak(double matrixMultiply, double convolution) {

        /** The machine's peak: the faster kernel. */
        public double best() {
            return Math.max(matrixMultiply, convolution);
        }

        /** Each kernel's better rate of the two measures: a host whose speed swings can slow either. */
        public Peak better(Peak other) {
            return new Peak(Math.max(matrixMultiply, other.matrixMultiply), Math.max(convolution, other.convolution));
        }
    }

    private MachinePeak() {
    }

    /** Each kernel's best size, each size timed over half a second after a warm-up. */
    public static Peak measure(Device device) {
        try (NDManager manager = NDManager.newBaseManager(device)) {
            double matrixMultiply = 0;
            for (int n : MATRIX_SIZES) {
                NDArray a = manager.randomUniform(-1, 1, new Shape(n, n));
                NDArray b = manager.randomUniform(-1, 1, new Shape(n, n));
                matrixMultiply = Math.max(matrixMultiply, rate(() -> a.matMul(b), (double) n * n * n));
            }
            double convolution = 0;
            for (int[] layer : CONVOLUTIONS) {
                int channels = layer[0];
                int side = layer[1];
                NDArray input = manager.randomUniform(-1, 1, new Shape(CONVOLUTION_BATCH, channels, side, side));
                NDArray weight = manager.randomUniform(-1, 1, new Shape(channels, channels, 3, 3));
                NDArray bias = manager.zeros(new Shape(channels));
                // Padded by one: the output is side x side, each of its values 9 x channels multiply-adds.
                double multiplyAdds = (double) CONVOLUTION_BATCH * channels * side * side * channels * 9;
                convolution = Math.max(convolution, rate(() -> Conv2d.conv2d(input, weight, bias, new Shape(1, 1),
                        new Shape(1, 1)).singletonOrThrow(), multiplyAdds));
            }
            return new Peak(matrixMultiply, convolution);
        }
    }

    /** Multiply-adds per second of an operation doing this many a call, after a warm-up. */
    private static double rate(Supplier<NDArray> operation, double multiplyAddsPerCall) {
        for (int warm = 0; warm < 3; warm++) {
            operation.get().close();
        }
        long started = System.nanoTime();
        long done = 0;
        long elapsed;
        do {
            // PyTorch computes eagerly on the CPU: the call returns with the result computed.
            operation.get().close();
            done++;
            elapsed = System.nanoTime() - started;
        } while (elapsed < MIN_NANOS);
        return multiplyAddsPerCall * done / (elapsed / 1e9);
    }
}
