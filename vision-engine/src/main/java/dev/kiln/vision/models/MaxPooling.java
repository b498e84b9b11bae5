package dev.kiln.vision.models;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.LambdaBlock;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValueUtils;
import ai.djl.pytorch.jni.JniUtils;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * 2-D max pooling that runs on oneDNN on the CPU. PyTorch 2.0.1's own CPU kernel for NCHW tensors ({@code
 * cpu_max_pool}, a branch per element) took a third of lenet's training step. Timed alone on one thread, pooling
 * lenet's first activation (64 x 6 x 24 x 24) takes 1.0 ms forward and 1.3 ms with its backward there, 0.2 and 0.55 ms
 * on oneDNN; cifar-cnn's first (64 x 32 x 28 x 28) 7.0 and 8.3 ms against 0.6 and 2.6 ms. In a whole training step the
 * forward gains and the backward loses some (oneDNN recomputes the pool and copies the gradient twice): lenet's step
 * 4.05 to 3.53 ms, mnist-cnn's 3.50 to 3.29 ms (BENCHMARKS.md). Evaluation and prediction get the whole forward gain.
 * Both pools give the same values, and a window's gradient goes to its first maximum in both. DJL has no call that
 * hands a tensor to oneDNN, so the pool is a small TorchScript module ({@code onednn-max-pool.pt}, written by {@code
 * src/main/torchscript/onednn_max_pool.py}); it follows the calling thread's autograd mode like any other operation.
 * Other devices and data types use DJL's pool (cuDNN on a GPU).
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
        return LambdaBlock.singleton(x -> onOneDnn(x)
                ? OneDnnModule.pool(x, settings)
                : x.getNDArrayInternal().maxPool(kernel, stride, padding, false), NAME);
    }

    /** Whether {@link #block} pools this array on oneDNN. */
    static boolean onOneDnn(NDArray x) {
        // A named array would be taken for one of TorchScript's list or dictionary arguments by DJL.
        return x instanceof PtNDArray && x.getDevice().getDeviceType().equals(Device.Type.CPU)
                && x.getDataType() == DataType.FLOAT32 && x.getShape().dimension() == 4 && x.getName() == null;
    }

    /** The module, loaded once per process on the first pool on the CPU, and kept for its life. */
    private static final class OneDnnModule {

        private static final String RESOURCE = "onednn-max-pool.pt";
        private static final PtSymbolBlock MODULE = load();

        private static NDArray pool(NDArray x, long[] settings) {
            try (NDArray settingsArray = x.getManager().create(settings)) {
                // "training" here only means "leave autograd as the thread has it" (DJL would otherwise turn it off).
                return IValueUtils.forward(MODULE, new NDList(x, settingsArray), true).singletonOrThrow();
            }
        }

        private static PtSymbolBlock load() {
            NDManager manager = NDManager.newBaseManager(Device.cpu());
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
