package dev.kiln.vision.models;

import static dev.kiln.vision.models.Layers.conv;
import static dev.kiln.vision.models.Layers.dropout;
import static dev.kiln.vision.models.Layers.linear;
import static dev.kiln.vision.models.Layers.maxPool2;
import static dev.kiln.vision.models.Layers.relu;

import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.norm.BatchNorm;
import java.util.List;
import java.util.Map;

/**
 * Every architecture Kiln trains, by name, built as DJL blocks that match the PyTorch originals layer
 * for layer (and so in parameter count). Linear layers infer their input size at initialisation, so no
 * flatten size is hard-coded.
 */
public final class ModelRegistry {

    /** VGG-11 and VGG-16 (with BatchNorm) for 32x32 inputs; -1 is a 2x2 max-pool ("M"). */
    public static final List<Integer> VGG11 = List.of(64, -1, 128, -1, 256, 256, -1, 512, 512, -1, 512, 512, -1);
    public static final List<Integer> VGG16 = List.of(64, 64, -1, 128, 128, -1, 256, 256, 256, -1,
            512, 512, 512, -1, 512, 512, 512, -1);

    private ModelRegistry() {
    }

    /**
     * @param name a name from {@link dev.kiln.contracts.runs.Catalog#MODELS}
     * @param args architecture arguments (n_hidden, n_feature, c1, c2, l1, d1); missing ones take the
     *             published defaults
     */
    public static Block build(String name, Map<String, ? extends Number> args) {
        return switch (name) {
            case "fc2layer" -> fc2layer(arg(args, "n_hidden", 8).intValue());
            case "mnist-cnn" -> mnistCnn(arg(args, "n_feature", 6).intValue());
            case "mlp" -> mlp();
            case "lenet" -> lenet();
            case "cifar-cnn" -> cifarCnn();
            case "confignet" -> confignet(arg(args, "c1", 48).intValue(), arg(args, "c2", 96).intValue(),
                    arg(args, "l1", 256).intValue(), arg(args, "d1", 0.1).doubleValue());
            case "vgg11" -> vgg(VGG11);
            case "vgg16" -> vgg(VGG16);
            case "resnet18" -> ResNet18.build();
            default -> throw new IllegalArgumentException("Unknown model '" + name + "'");
        };
    }

    private static Number arg(Map<String, ? extends Number> args, String key, Number fallback) {
        Number value = args.get(key);
        return value == null ? fallback : value;
    }

    static Block fc2layer(int hidden) {
        return new SequentialBlock()
                .add(Blocks.batchFlattenBlock())
                .add(linear(hidden)).add(relu())
                .add(linear(hidden)).add(relu())
                .add(linear(10));
    }

    static Block mnistCnn(int features) {
        return new SequentialBlock()
                .add(conv(features, 5, 0)).add(relu()).add(maxPool2())
                .add(conv(features, 5, 0)).add(relu()).add(maxPool2())
                .add(Blocks.batchFlattenBlock())
                .add(linear(50)).add(relu())
                .add(linear(10));
    }

    static Block mlp() {
        return new SequentialBlock()
                .add(Blocks.batchFlattenBlock())
                .add(linear(256)).add(relu()).add(dropout(0.2))
                .add(linear(64)).add(relu()).add(dropout(0.2))
                .add(linear(10));
    }

    static Block lenet() {
        return new SequentialBlock()
                .add(conv(6, 5, 0)).add(relu()).add(maxPool2())
                .add(conv(16, 5, 0)).add(relu()).add(maxPool2())
                .add(Blocks.batchFlattenBlock())
                .add(linear(120)).add(relu())
                .add(linear(84)).add(relu())
                .add(linear(10));
    }

    static Block cifarCnn() {
        SequentialBlock net = new SequentialBlock();
        for (int filters : new int[] {16, 32, 64}) {
            net.add(conv(filters, 3, 1)).add(relu()).add(maxPool2());
        }
        return net.add(Blocks.batchFlattenBlock())
                .add(dropout(0.2)).add(linear(200)).add(relu())
                .add(dropout(0.2)).add(linear(10));
    }

    static Block confignet(int c1, int c2, int l1, double d1) {
        return new SequentialBlock()
                .add(conv(c1, 3, 0)).add(relu())
                .add(conv(c1, 3, 0)).add(relu())
                .add(dropout(d1))
                .add(conv(c2, 3, 0)).add(relu())
                .add(conv(c2, 3, 0, 2, true)).add(relu())
                .add(dropout(0.5))
                .add(Blocks.batchFlattenBlock())
                .add(BatchNorm.builder().build()).add(relu())
                .add(linear(l1)).add(relu())
                .add(linear(10));
    }

    static Block vgg(List<Integer> cfg) {
        SequentialBlock net = new SequentialBlock();
        for (int layer : cfg) {
            if (layer < 0) {
                net.add(maxPool2());
            } else {
                net.add(conv(layer, 3, 1)).add(BatchNorm.builder().build()).add(relu());
            }
        }
        return net.add(Blocks.batchFlattenBlock()).add(linear(10));
    }
}
