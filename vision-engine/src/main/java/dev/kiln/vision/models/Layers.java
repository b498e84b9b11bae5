package dev.kiln.vision.models;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;

/** The building blocks the registry's architectures are written in, named as in PyTorch. */
final class Layers {

    private Layers() {
    }

    /** Conv2d with a square kernel, stride and padding. */
    static Block conv(int filters, int kernel, int padding, int stride, boolean bias) {
        return Conv2d.builder()
                .setFilters(filters)
                .setKernelShape(new Shape(kernel, kernel))
                .optPadding(new Shape(padding, padding))
                .optStride(new Shape(stride, stride))
                .optBias(bias)
                .build();
    }

    static Block conv(int filters, int kernel, int padding) {
        return conv(filters, kernel, padding, 1, true);
    }

    static Block maxPool2() {
        return MaxPooling.block(new Shape(2, 2), new Shape(2, 2));
    }

    static Block linear(int units) {
        return Linear.builder().setUnits(units).build();
    }

    static Block relu() {
        return Activation.reluBlock();
    }

    /** Active in training only: DJL passes the training flag, so evaluation is deterministic. */
    static Block dropout(double rate) {
        return Dropout.builder().optRate((float) rate).build();
    }
}
