package dev.kiln.vision.models;

import static dev.kiln.vision.models.Layers.conv;
import static dev.kiln.vision.models.Layers.linear;
import static dev.kiln.vision.models.Layers.relu;

import ai.djl.ndarray.NDList;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.ParallelBlock;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.pooling.Pool;
import java.util.List;

/** ResNet-18 for 32x32 inputs: a 3x3 stem of 64, four stages of two basic blocks, global average pool. */
final class ResNet18 {

    private ResNet18() {
    }

    static Block build(int classes) {
        SequentialBlock net = new SequentialBlock()
                .add(conv(64, 3, 1, 1, false)).add(BatchNorm.builder().build()).add(relu());
        int inChannels = 64;
        for (int stage = 0; stage < 4; stage++) {
            int channels = 64 << stage;
            for (int block = 0; block < 2; block++) {
                int stride = stage > 0 && block == 0 ? 2 : 1;
                net.add(basicBlock(inChannels, channels, stride));
                inChannels = channels;
            }
        }
        return net.add(Pool.globalAvgPool2dBlock()).add(Blocks.batchFlattenBlock()).add(linear(classes));
    }

    private static Block basicBlock(int inChannels, int channels, int stride) {
        SequentialBlock main = new SequentialBlock()
                .add(conv(channels, 3, 1, stride, false)).add(BatchNorm.builder().build()).add(relu())
                .add(conv(channels, 3, 1, 1, false)).add(BatchNorm.builder().build());
        Block shortcut = stride == 1 && inChannels == channels
                ? Blocks.identityBlock()
                : new SequentialBlock().add(conv(channels, 1, 0, stride, false)).add(BatchNorm.builder().build());
        return new SequentialBlock()
                .add(new ParallelBlock(branches -> new NDList(branches.get(0).singletonOrThrow()
                        .add(branches.get(1).singletonOrThrow())), List.of(main, shortcut)))
                .add(relu());
    }
}
