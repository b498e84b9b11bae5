package dev.kiln.vision.models;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.pooling.Pool;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValueUtils;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import dev.kiln.contracts.architectures.ArchitectureSummary;
import dev.kiln.contracts.architectures.ModelSpec;
import dev.kiln.contracts.architectures.ShapeInference;
import dev.kiln.vision.engine.DjlRuntime;
import dev.kiln.vision.imports.TorchScriptFixtures;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Channels last as PyTorch sees it (a TorchScript probe reads the strides, which DJL does not show), kept through the
 * layers that train faster for it, and with the same answers and gradients as NCHW.
 */
class MemoryFormatTest {

    private static final Shape TWO = new Shape(2, 2);
    private static final Shape NO_PADDING = new Shape(0, 0);

    @ParameterizedTest
    @CsvSource({"mnist-cnn, CONTIGUOUS", "lenet, CONTIGUOUS", "cifar-cnn, CHANNELS_LAST"})
    void poolingNetworksWithoutBatchNormTrainChannelsLastWherePytorchPoolsOrTheirPoolsFillAvx512Vectors(String name,
            MemoryFormat whereOneDnnPools) {
        ArchitectureSummary summary = summary(name, 28);

        assertThat(MemoryFormat.forNetwork(summary, false)).isEqualTo(MemoryFormat.CHANNELS_LAST);
        // mnist-cnn's pools have 6 channels and lenet's first 6; cifar-cnn's 16, 32 and 64.
        assertThat(MemoryFormat.forNetwork(summary, true)).as("pools on oneDNN").isEqualTo(whereOneDnnPools);
        assertThat(MemoryFormat.forModel(ModelSpec.named(name), () -> summary, Device.gpu())).as("on a GPU")
                .isEqualTo(MemoryFormat.CONTIGUOUS);
        assertThat(MemoryFormat.forModel(ModelSpec.named(name), () -> summary, Device.cpu()))
                .isEqualTo(MemoryFormat.forNetwork(summary, MaxPooling.poolsOnOneDnn()));
    }

    @Test
    void anImportedModuleStaysContiguousWhateverItsLayers() {
        assertThat(MemoryFormat.forModel(ModelSpec.named(ModelSpec.TORCHSCRIPT), () -> {
            throw new AssertionError("an imported module's layers decide nothing");
        }, Device.cpu())).isEqualTo(MemoryFormat.CONTIGUOUS);
    }

    @ParameterizedTest
    @CsvSource({"vgg11, 32", "resnet18, 32", "confignet, 28", "mlp, 28", "fc2layer, 28"})
    void theOtherNetworksTrainContiguous(String name, int size) {
        assertThat(MemoryFormat.forNetwork(summary(name, size), false)).isEqualTo(MemoryFormat.CONTIGUOUS);
        assertThat(MemoryFormat.forNetwork(summary(name, size), true)).as("pools on oneDNN")
                .isEqualTo(MemoryFormat.CONTIGUOUS);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 3})
    void aChannelsLastBatchKeepsItsValuesAndItsConvolutionAndPoolAnswerChannelsLast(int channels) throws Exception {
        try (NDManager manager = NDManager.newBaseManager(Device.cpu(), DjlRuntime.ENGINE)) {
            PtSymbolBlock probe = probe(manager);
            NDArray batch = manager.randomNormal(new Shape(4, channels, 10, 10));
            NDArray weight = manager.randomNormal(new Shape(8, channels, 3, 3));
            NDArray bias = manager.zeros(new Shape(8));

            NDArray arranged = MemoryFormat.CHANNELS_LAST.arrange(batch);
            NDArray convolved = conv(arranged, weight, bias);
            NDArray rectified = convolved.getNDArrayInternal().relu();
            NDArray pooled = Pool.maxPool2d(rectified, TWO, TWO, NO_PADDING, false);
            NDArray pooledByTheOneDnnBlock = MaxPooling.block(TWO, TWO, NO_PADDING, true)
                    .forward(new ParameterStore(manager, false), new NDList(rectified), false).singletonOrThrow();

            assertThat(arranged.getShape()).isEqualTo(batch.getShape());
            assertThat(arranged.contentEquals(batch)).isTrue();
            // [contiguous, channels last]; one channel's batch is both, and only its strides tell PyTorch which.
            assertThat(layout(probe, arranged)).containsExactly(channels == 1 ? 1 : 0, 1);
            assertThat(layout(probe, convolved)).containsExactly(0, 1);
            assertThat(layout(probe, pooled)).containsExactly(0, 1);
            // The block that pools NCHW batches on oneDNN leaves a channels-last one to PyTorch's kernel.
            assertThat(layout(probe, pooledByTheOneDnnBlock)).containsExactly(0, 1);
            assertThat(pooledByTheOneDnnBlock.contentEquals(pooled)).isTrue();
            assertThat(layout(probe, conv(MemoryFormat.CONTIGUOUS.arrange(batch), weight, bias)))
                    .as("NCHW stays NCHW").containsExactly(1, 0);
            assertThat(convolved.allClose(conv(batch, weight, bias), 1e-4, 1e-5, false)).isTrue();
        }
    }

    @ParameterizedTest
    @CsvSource({"1, false", "3, false", "3, true"})
    void aPoolingNetworkAnswersAndLearnsTheSameChannelsLast(int channels, boolean oneDnnBlocks) {
        try (NDManager manager = NDManager.newBaseManager(Device.cpu(), DjlRuntime.ENGINE)) {
            // cifar-cnn's kind of network, its pools made for PyTorch's kernel (a CPU without AVX-512) or for oneDNN
            // (with it), where a channels-last batch still pools in PyTorch's kernel; NCHW pools on oneDNN then.
            Block network = new SequentialBlock()
                    .add(conv(8)).add(Activation.reluBlock()).add(MaxPooling.block(TWO, TWO, NO_PADDING, oneDnnBlocks))
                    .add(conv(16)).add(Activation.reluBlock()).add(MaxPooling.block(TWO, TWO, NO_PADDING, oneDnnBlocks))
                    .add(Blocks.batchFlattenBlock()).add(Linear.builder().setUnits(10).build());
            network.initialize(manager, DataType.FLOAT32, new Shape(1, channels, 28, 28));
            NDArray batch = manager.randomNormal(new Shape(8, channels, 28, 28));

            float[][] contiguous = logitsAndFirstGradient(manager, network, MemoryFormat.CONTIGUOUS.arrange(batch));
            float[][] channelsLast = logitsAndFirstGradient(manager, network,
                    MemoryFormat.CHANNELS_LAST.arrange(batch));

            for (int i = 0; i < 2; i++) {
                NDArray expected = manager.create(contiguous[i]);
                assertThat(manager.create(channelsLast[i]).allClose(expected, 1e-4, 1e-5, false))
                        .as(i == 0 ? "logits" : "the first convolution's weight gradient").isTrue();
            }
        }
    }

    private static Block conv(int filters) {
        return Conv2d.builder().setKernelShape(new Shape(3, 3)).optPadding(new Shape(1, 1)).setFilters(filters).build();
    }

    /** The logits and the first parameter's gradient of their sum. */
    private static float[][] logitsAndFirstGradient(NDManager manager, Block network, NDArray batch) {
        NDArray weight = network.getParameters().get(0).getValue().getArray();
        DjlRuntime.GRADIENTS.lock();
        try (GradientCollector collector = Engine.getEngine(DjlRuntime.ENGINE).newGradientCollector()) {
            NDArray logits = network.forward(new ParameterStore(manager, false), new NDList(batch), false)
                    .singletonOrThrow();
            collector.backward(logits.sum());
            NDArray accumulated = weight.getGradient();
            float[] gradient = accumulated.toFloatArray();
            accumulated.subi(accumulated); // PyTorch adds the next backward's to it
            return new float[][] {logits.toFloatArray(), gradient};
        } finally {
            DjlRuntime.GRADIENTS.unlock();
        }
    }

    private static NDArray conv(NDArray batch, NDArray weight, NDArray bias) {
        return Conv2d.conv2d(batch, weight, bias, new Shape(1, 1), new Shape(1, 1), new Shape(1, 1), 1).singletonOrThrow();
    }

    private static long[] layout(PtSymbolBlock probe, NDArray x) {
        return IValueUtils.forward(probe, new NDList(x), false).singletonOrThrow().toLongArray();
    }

    private static PtSymbolBlock probe(NDManager manager) throws Exception {
        Path module = TorchScriptFixtures.dir().resolve("memory-format.pt");
        try (InputStream in = Files.newInputStream(module)) {
            return JniUtils.loadModule((PtNDManager) manager, in, true, false);
        }
    }

    private static ArchitectureSummary summary(String name, int size) {
        return ShapeInference.summarize(ModelSpec.named(name), Map.of(), 1, size, size, 10);
    }
}
