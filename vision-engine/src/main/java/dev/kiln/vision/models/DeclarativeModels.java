package dev.kiln.vision.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.ParallelBlock;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.norm.Dropout;
import ai.djl.nn.pooling.Pool;
import dev.kiln.contracts.architectures.ArchitectureSummary;
import dev.kiln.contracts.architectures.LayerSpec;
import dev.kiln.contracts.architectures.LayerType;
import java.util.List;

/**
 * Builds a declarative architecture as DJL blocks, layer for layer as PyTorch would (and so with PyTorch's
 * parameter counts). It takes the {@linkplain ArchitectureSummary#layout() layout} shape inference resolved:
 * every default filled in, the head's units set, residual projections explicit.
 */
public final class DeclarativeModels {

    private DeclarativeModels() {
    }

    public static Block build(List<LayerSpec> layout) {
        SequentialBlock net = new SequentialBlock();
        for (LayerSpec layer : layout) {
            net.add(block(layer));
        }
        return net;
    }

    private static Block block(LayerSpec layer) {
        LayerType type = LayerType.of(layer.type())
                .orElseThrow(() -> new IllegalArgumentException("unknown layer '" + layer.type() + "'"));
        return switch (type) {
            case CONV2D -> Conv2d.builder().setFilters(layer.out())
                    .setKernelShape(square(layer.kernel())).optStride(square(layer.stride()))
                    .optPadding(square(layer.padding())).optGroups(layer.groups()).optBias(layer.bias()).build();
            case BATCHNORM -> BatchNorm.builder().build();
            case RELU -> Activation.reluBlock();
            case LEAKYRELU -> Activation.leakyReluBlock(layer.slope().floatValue());
            case GELU -> Activation.geluBlock();
            // SiLU is swish with beta 1: x * sigmoid(x).
            case SILU -> Activation.swishBlock(1f);
            case MAXPOOL -> MaxPooling.block(square(layer.kernel()), square(layer.stride()),
                    square(layer.padding()));
            // PyTorch's AvgPool2d counts the padding in the average by default; so does this.
            case AVGPOOL -> Pool.avgPool2dBlock(square(layer.kernel()), square(layer.stride()),
                    square(layer.padding()), false, true);
            // Global average pooling, kept 4-D (N, C, 1, 1) as PyTorch's AdaptiveAvgPool2d(1) leaves it.
            case ADAPTIVEAVGPOOL -> new LambdaBlock(inputs -> {
                NDArray pooled = Pool.globalAvgPool2d(inputs.singletonOrThrow());
                return new NDList(pooled.reshape(pooled.getShape().get(0), pooled.getShape().get(1), 1, 1));
            }, "adaptiveAvgPool");
            case DROPOUT -> Dropout.builder().optRate(layer.rate().floatValue()).build();
            case FLATTEN -> Blocks.batchFlattenBlock();
            case LINEAR -> Linear.builder().setUnits(layer.out()).optBias(layer.bias()).build();
            case RESIDUAL -> new ParallelBlock(branches -> new NDList(branches.get(0).singletonOrThrow()
                    .add(branches.get(1).singletonOrThrow())), List.of(build(layer.layers()),
                    layer.shortcut() == null ? Blocks.identityBlock() : build(layer.shortcut())));
        };
    }

    private static Shape square(int side) {
        return new Shape(side, side);
    }
}
