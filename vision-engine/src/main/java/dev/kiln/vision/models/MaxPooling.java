package dev.kiln.vision.models;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.pooling.Pool;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValueUtils;
import ai.djl.pytorch.jni.JniUtils;
import dev.kiln.vision.engine.DjlRuntime;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * 2-D max pooling that runs on oneDNN on the CPU. PyTorch 2.0.1's own CPU kernel for NCHW tensors ({@code
 * cpu_max_pool}, a branch per element) took a third of lenet's training step. Timed alone on one thread, pooling
 * lenet's first activation (64 x 6 x 24 x 24) takes 0.9 ms forward and 1.2 ms with its backward there, 0.2 and 0.6 ms
 * on oneDNN; cifar-cnn's first (64 x 32 x 28 x 28) 6.6 and 7.8 ms against 0.8 and 3.0 ms. In a whole training step the
 * forward gains and the backward loses some (oneDNN recomputes the pool and copies the gradient twice): lenet's step
 * 4.05 to 3.53 ms, mnist-cnn's 3.50 to 3.29 ms (BENCHMARKS.md). Evaluation and prediction get the whole forward gain.
 * Both pools give the same values, and a window's gradient goes to its first maximum in both; oneDNN's maximum drops
 * NaN, so an input holding one goes to PyTorch's pool (a sum tells, 15 us for lenet's first pool). DJL has no call that
 * hands a tensor to oneDNN, so the pool is a small TorchScript module ({@code onednn-max-pool.pt}, written by {@code
 * src/main/torchscript/onednn_max_pool.py}); it follows the calling thread's autograd mode like any other operation.
 * Other devices and data types use DJL's pool (PyTorch's own kernel on a GPU).
 */
final class MaxPooling {

    /** DJL's name for its max pooling block, kept so that a model reads the same whichever pool runs. */
    private static final String NAME = "maxPool2d";

    private MaxPooling() {
    }

    /** A max pooling block with no padding: PyTorch's {@code MaxPool2d(kernel, stride)}. */
    static Block block(Shape kernel, Shape stride) {
        return block(kernel, stride, new Shape(0, 0));
    }

    /** PyTorch's {@code MaxPool2d(kernel, stride, padding)}, rounding the output size down. */
    static Block block(Shape kernel, Shape stride, Shape padding) {
        long[] settings = {kernel.get(0), kernel.get(1), stride.get(0), stride.get(1), padding.get(0),
            padding.get(1), 0};
        return LambdaBlock.singleton(x -> onOneDnn(x, kernel, padding)
                ? OneDnnModule.pool(x, settings)
                : Pool.maxPool2d(x, kernel, stride, padding, false), NAME);
    }

    /**
     * Whether {@link #block} pools this array on oneDNN: an unnamed CPU float32 batch that the window fits. The others
     * go to DJL's pool, which reports what does not fit (a module call that throws would leave its inputs allocated:
     * DJL frees them only when it returns).
     */
    static boolean onOneDnn(NDArray x, Shape kernel, Shape padding) {
        Shape shape = x.getShape();
        // DJL hands a named array to TorchScript by its name's pattern ("a.b" a dictionary entry, "a[]" a list...).
        return x instanceof PtNDArray && x.getDevice().getDeviceType().equals(Device.Type.CPU)
                && x.getDataType() == DataType.FLOAT32 && shape.dimension() == 4 && x.getName() == null
                && fits(shape.get(2), kernel.get(0), padding.get(0))
                && fits(shape.get(3), kernel.get(1), padding.get(1));
    }

    private static boolean fits(long size, long kernel, long padding) {
        return 2 * padding <= kernel && size + 2 * padding >= kernel;
    }

    /** The module, loaded once per process on the first pool on the CPU, and kept for its life. */
    private static final class OneDnnModule {

        private static final String RESOURCE = "onednn-max-pool.pt";
        private static final PtSymbolBlock MODULE = load();

        private static NDArray pool(NDArray x, long[] settings) {
            try (NDArray settingsArray = x.getManager().create(settings)) {
                // "training" here means "no guard": autograd as the thread has it (DJL would otherwise run the module
                // in inference mode, whose outputs can never be saved for a backward pass).
                return IValueUtils.forward(MODULE, new NDList(x, settingsArray), true).singletonOrThrow();
            }
        }

        private static PtSymbolBlock load() {
            NDManager manager = NDManager.newBaseManager(Device.cpu(), DjlRuntime.ENGINE);
            try (InputStream in = MaxPooling.class.getResourceAsStream(RESOURCE)) {
                if (in == null) {
                    throw new IllegalStateException(RESOURCE + " is missing from the classpath");
                }
                return JniUtils.loadModule((PtNDManager) manager, in, true, false);
            } catch (IOException e) {
                throw new UncheckedIOException("could not read " + RESOURCE, e);
            }
        }
    }
}
