package dev.kiln.vision.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * This machine's measured arithmetic peak through the natives training uses: float32 square matrix multiplies on
 * PyTorch (DJL's engine, with the thread settings already made), the best rate of a few sizes. A benchmark's
 * achieved rate (its model's multiply-adds per image times images per second) over this says how much headroom
 * is left.
 */
public final class MachinePeak {

    private static final int[] SIZES = {256, 512, 1024};
    private static final long MIN_NANOS = 500_000_000L;

    private MachinePeak() {
    }

    /** Multiply-adds per second: the best of the sizes, each timed over half a second after a warm-up. */
    public static double multiplyAddsPerSecond(Device device) {
        double best = 0;
        try (NDManager manager = NDManager.newBaseManager(device)) {
            for (int n : SIZES) {
                NDArray a = manager.randomUniform(-1, 1, new Shape(n, n));
                NDArray b = manager.randomUniform(-1, 1, new Shape(n, n));
                for (int warm = 0; warm < 3; warm++) {
                    a.matMul(b).close();
                }
                long started = System.nanoTime();
                long done = 0;
                long elapsed;
                do {
                    // PyTorch multiplies eagerly on the CPU: the call returns with the product computed.
                    a.matMul(b).close();
                    done++;
                    elapsed = System.nanoTime() - started;
                } while (elapsed < MIN_NANOS);
                best = Math.max(best, (double) n * n * n * done / (elapsed / 1e9));
            }
        }
        return best;
    }
}
