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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * 2-D max pooling that runs on oneDNN on CPUs with AVX-512. PyTorch 2.0.1's own CPU kernel for NCHW tensors ({@code
 * cpu_max_pool}, a branch per element) took a third of lenet's training step. Timed alone on one thread of an AVX-512
 * CPU, pooling lenet's first activation (64 x 6 x 24 x 24) takes 0.9 ms forward and 1.2 ms with its backward in
 * PyTorch's kernel, 0.2 and 0.6 ms on oneDNN; cifar-cnn's first (64 x 32 x 28 x 28, contiguous, as cifar-cnn trained
 * before it went channels last) 6.6 and 7.8 ms against 0.8 and 3.0 ms. In a whole training step the forward gains and
 * the backward loses some (oneDNN recomputes the pool and copies the gradient twice): lenet's step 4.05 to 3.53 ms,
 * mnist-cnn's 3.50 to 3.29 ms (BENCHMARKS.md). Evaluation and prediction get the whole forward gain. Without AVX-512
 * (an AMD Zen 3, say) oneDNN has no vectorised pool for this plain layout and runs its {@code simple_nchw} one, three
 * to four times slower than PyTorch's kernel: lenet's first pool took 6.1 ms with its backward against 1.7, and lenet
 * trained at 0.67x the PyTorch reference. So the CPU's flags decide, once a process ({@link #oneDnnPoolsFast}); where
 * there are none to read (not Linux, or not x86), PyTorch's kernel pools. oneDNN capped below AVX-512 by {@code
 * ONEDNN_MAX_CPU_ISA} would pool slowly: not a setting Kiln uses. Both pools give the same values, and a window's
 * gradient goes to its first maximum in both; oneDNN's maximum drops NaN, so an input holding one goes to PyTorch's
 * pool (a sum tells, 15 us for lenet's first pool). So does a channels-last input ({@link MemoryFormat}): PyTorch's
 * channels-last kernel is vectorised, and oneDNN's would reorder. DJL has no call that hands a tensor to oneDNN, so the
 * pool is a small TorchScript module ({@code onednn-max-pool.pt}, written by {@code
 * src/main/torchscript/onednn_max_pool.py}); it follows the calling thread's autograd mode like any other operation.
 * Other devices and data types use DJL's pool (PyTorch's own kernel on a GPU).
 */
final class MaxPooling {

    /** DJL's name for its max pooling block, kept so that a model reads the same whichever pool runs. */
    private static final String NAME = "maxPool2d";
    /** What oneDNN's vectorised NCHW pool needs (its {@code avx512_core}), by {@code /proc/cpuinfo}'s names. */
    private static final List<String> ONEDNN_POOL_FLAGS = List.of("avx512f", "avx512bw", "avx512vl", "avx512dq");
    private static final boolean ONEDNN_POOLS_FAST = oneDnnPoolsFast(cpuFlags(Path.of("/proc/cpuinfo")));

    private MaxPooling() {
    }

    /** A max pooling block with no padding: PyTorch's {@code MaxPool2d(kernel, stride)}. */
    static Block block(Shape kernel, Shape stride) {
        return block(kernel, stride, new Shape(0, 0));
    }

    /** PyTorch's {@code MaxPool2d(kernel, stride, padding)}, rounding the output size down. */
    static Block block(Shape kernel, Shape stride, Shape padding) {
        return block(kernel, stride, padding, ONEDNN_POOLS_FAST);
    }

    /**
     * As {@link #block(Shape, Shape, Shape)}, but {@code oneDnn} rather than the CPU's flags decides whether oneDNN pools
     * what {@link #onOneDnn} allows (tests check the oneDNN pool on any CPU).
     */
    static Block block(Shape kernel, Shape stride, Shape padding, boolean oneDnn) {
        long[] settings = {kernel.get(0), kernel.get(1), stride.get(0), stride.get(1), padding.get(0),
            padding.get(1), 0};
        return LambdaBlock.singleton(x -> oneDnn && onOneDnn(x, kernel, padding)
                ? OneDnnModule.pool(x, settings)
                : Pool.maxPool2d(x, kernel, stride, padding, false), NAME);
    }

    /** Whether this process's pools run on oneDNN (they do on CPUs with AVX-512's core instructions). */
    static boolean poolsOnOneDnn() {
        return ONEDNN_POOLS_FAST;
    }

    /** Whether oneDNN pools faster than PyTorch's kernel on a CPU with these flags: AVX-512's core instructions. */
    static boolean oneDnnPoolsFast(String flags) {
        return List.of(flags.trim().split("\\s+")).containsAll(ONEDNN_POOL_FLAGS);
    }

    /** The first processor's flags in this {@code /proc/cpuinfo}; none where it cannot be read. */
    static String cpuFlags(Path cpuinfo) {
        try (Stream<String> lines = Files.lines(cpuinfo)) {
            return lines.filter(line -> line.startsWith("flags")).findFirst()
                    .map(line -> line.substring(line.indexOf(':') + 1)).orElse("");
        } catch (IOException | UncheckedIOException e) {
            return "";
        }
    }

    /**
     * Whether a block made to pool on oneDNN hands this array to the oneDNN module: an unnamed CPU float32 batch that the
     * window fits (the module pools it on oneDNN unless it is channels last or holds a NaN). The others go to DJL's
     * pool, which reports what does not fit (a module call that throws would leave its inputs allocated: DJL frees them
     * only when it returns).
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
