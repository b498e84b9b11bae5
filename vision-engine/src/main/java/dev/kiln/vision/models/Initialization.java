package dev.kiln.vision.models;

import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Convolution;
import ai.djl.nn.core.Linear;
import ai.djl.training.initializer.XavierInitializer;
import ai.djl.training.initializer.XavierInitializer.FactorType;
import ai.djl.training.initializer.XavierInitializer.RandomType;
import ai.djl.util.Pair;

/**
 * The initialisation the seed recipes use instead of DJL's default: Kaiming normal (fan_out, ReLU gain) for
 * convolutions, Xavier normal for linear layers, zero biases, BatchNorm weight 1 and bias 0 (DJL's defaults
 * for the last two already).
 */
public final class Initialization {

    /** std = sqrt(2 / fan_out), PyTorch's kaiming_normal_(mode="fan_out", nonlinearity="relu"). */
    private static final XavierInitializer KAIMING_FAN_OUT = new XavierInitializer(RandomType.GAUSSIAN, FactorType.OUT, 2);
    /** std = sqrt(2 / (fan_in + fan_out)), PyTorch's xavier_normal_. */
    private static final XavierInitializer XAVIER_NORMAL = new XavierInitializer(RandomType.GAUSSIAN, FactorType.AVG, 1);

    private Initialization() {
    }

    /** Sets the initialisers on every layer of the block; call before the block is initialised. */
    public static void apply(Block block) {
        if (block instanceof Convolution) {
            block.setInitializer(KAIMING_FAN_OUT, Parameter.Type.WEIGHT);
        } else if (block instanceof Linear) {
            block.setInitializer(XAVIER_NORMAL, Parameter.Type.WEIGHT);
        }
        for (Pair<String, Block> child : block.getChildren()) {
            apply(child.getValue());
        }
    }
}
