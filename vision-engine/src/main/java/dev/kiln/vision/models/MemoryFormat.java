package dev.kiln.vision.models;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.kiln.contracts.architectures.ArchitectureSummary;
import dev.kiln.contracts.architectures.LayerType;
import dev.kiln.contracts.architectures.ModelSpec;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * The order in memory in which a training and its evaluations hand image batches to the network, PyTorch's {@code
 * torch.contiguous_format} (NCHW) or {@code torch.channels_last} (NHWC); the batch's shape is N x C x H x W either way.
 * PyTorch's operations answer in the order they are given: a convolution of a channels-last batch answers channels
 * last (oneDNN reads and writes it without reordering), so does the ReLU after it, and the max pool after that runs
 * PyTorch's channels-last kernel, vectorised along the channels, where the NCHW one ({@code cpu_max_pool}) takes a
 * branch per element. A flatten copies back to NCHW's order, so the linear layers, the parameters and checkpoints see
 * what they always see, and the values are the same. Measured (BENCHMARKS.md, "Channels last"): the networks that
 * max-pool and have no batch norm trained faster so, VGG-11 (pools, batch norm) no faster, ResNet-18 (batch norm, no
 * max pool) slower; so only the first kind trains channels last, and not on a GPU (not measured there). On a CPU with
 * AVX-512, where oneDNN pools NCHW batches fast ({@link MaxPooling}), channels last pays only where every pool has at
 * least {@value #FULL_VECTOR_CHANNELS} channels, a whole AVX-512 vector of float32 for the channels-last kernel (it
 * vectorises along the channels): on an AMD Zen 5 (BENCHMARKS.md, 2026-12-07) cifar-cnn (pools of 16, 32 and 64
 * channels) trained 39 to 50% faster so and evaluated 1.37 times as fast, lenet (6, 16) trained 6 to 8% slower and
 * mnist-cnn (6, 6) 7 to 17%; a channels-last batch pools in PyTorch's kernel there too. Imported TorchScript
 * modules stay contiguous: one may view its activations as contiguous (a tutorial's {@code x.view(-1, 400)}).
 * Evaluations use the same rule: channels last, cifar-cnn's forward passes ran 1.8 times as fast, lenet's 1.09,
 * mnist-cnn's about as fast on an AVX2 CPU ({@code ./kiln bench evaluate}); on the Zen 5, lenet's 0.94 and mnist-cnn's
 * 0.90 times, so they stay contiguous there.
 */
public enum MemoryFormat {
    CONTIGUOUS {
        @Override
        public NDArray arrange(NDArray batch) {
            return batch;
        }
    },
    CHANNELS_LAST {
        @Override
        public NDArray arrange(NDArray batch) {
            Shape shape = batch.getShape();
            // Flattening the NHWC view makes the copy in NHWC order (of one channel, a view: the order is the same);
            // viewed as NCHW again, its strides say channels last, and PyTorch follows the strides.
            return batch.transpose(0, 2, 3, 1).reshape(shape.get(0), -1)
                    .reshape(shape.get(0), shape.get(2), shape.get(3), shape.get(1)).transpose(0, 3, 1, 2);
        }
    };

    /** Float32 values in an AVX-512 vector: a channels-last pool with fewer channels leaves its vectors part empty. */
    static final int FULL_VECTOR_CHANNELS = 16;

    /** The same batch (N x C x H x W, contiguous as batches are made) in this order; CONTIGUOUS gives it back. */
    public abstract NDArray arrange(NDArray batch);

    /**
     * The order the network of {@code model} is handed its batches in on this device, in training and evaluation; see
     * above.
     *
     * @param summary the network layer by layer for its input, asked for only where the model is not imported
     */
    public static MemoryFormat forModel(ModelSpec model, Supplier<ArchitectureSummary> summary, Device device) {
        return model.isTorchScript() || device.isGpu() ? CONTIGUOUS
                : forNetwork(summary.get(), MaxPooling.poolsOnOneDnn());
    }

    /** The rule for a network Kiln builds, on the CPU; {@code poolsOnOneDnn} says whether oneDNN pools NCHW batches. */
    static MemoryFormat forNetwork(ArchitectureSummary summary, boolean poolsOnOneDnn) {
        Set<String> types = summary.layers().stream().map(ArchitectureSummary.Row::type).collect(Collectors.toSet());
        boolean pools = types.contains(LayerType.MAXPOOL.json()) && !types.contains(LayerType.BATCHNORM.json());
        return pools && (!poolsOnOneDnn || poolsWholeVectors(summary)) ? CHANNELS_LAST : CONTIGUOUS;
    }

    /** Whether every max pool has at least {@value #FULL_VECTOR_CHANNELS} channels (its output's first dimension). */
    private static boolean poolsWholeVectors(ArchitectureSummary summary) {
        return summary.layers().stream().filter(row -> row.type().equals(LayerType.MAXPOOL.json()))
                .allMatch(row -> row.output().get(0) >= FULL_VECTOR_CHANNELS);
    }
}
