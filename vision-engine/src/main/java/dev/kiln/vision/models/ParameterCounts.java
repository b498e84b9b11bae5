package dev.kiln.vision.models;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;

/** Counts parameters the way PyTorch's {@code sum(p.numel() for p in model.parameters())} does. */
public final class ParameterCounts {

    private ParameterCounts() {
    }

    /**
     * Initialises {@code block} for one input of {@code inputShape} (C, H, W) and counts its trainable
     * parameters. BatchNorm running statistics are buffers in PyTorch, not parameters, so they are left out.
     */
    public static long trainable(Block block, Shape inputShape) {
        try (NDManager manager = NDManager.newBaseManager()) {
            block.initialize(manager, DataType.FLOAT32, new Shape(1).addAll(inputShape));
            long total = 0;
            for (Pair<String, Parameter> parameter : block.getParameters()) {
                if (parameter.getValue().requiresGradient()) {
                    total += parameter.getValue().getArray().size();
                }
            }
            return total;
        }
    }
}
