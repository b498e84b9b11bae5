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
import dev.kiln.contracts.architectures.ArchitectureSummary;
import dev.kiln.contracts.architectures.BuiltInArchitectures;
import dev.kiln.contracts.architectures.ModelSpec;
import dev.kiln.contracts.architectures.ShapeInference;
import java.util.List;
import java.util.Map;

/**
 * Every architecture Kiln trains, by name, built as DJL blocks that match the PyTorch originals layer
 * for layer (and so in parameter count). Linear layers infer their input size at initialisation, so no
 * flatten size is hard-coded.
 */
public final class ModelRegistry {

    private ModelRegistry() {
    }

    /**
     * @param name a name from {@link dev.kiln.contracts.runs.Catalog#MODELS}
     * @param args    architecture arguments (n_hidden, n_feature, c1, c2, l1, d1); missing ones take the
     *                published defaults
     * @param classes outputs of the last layer: the data set's classes (10 for the tutorials' data sets)
     */
    public static Block build(String name, Map<String, ? extends Number> args, int classes) {
        return switch (name) {
            case "fc2layer" -> fc2layer(arg(args, "n_hidden", 8).intValue(), classes);
            case "mnist-cnn" -> mnistCnn(arg(args, "n_feature", 6).intValue(), classes);
            case "mlp" -> mlp(classes);
            case "lenet" -> lenet(classes);
            case "cifar-cnn" -> cifarCnn(classes);
            case "confignet" -> confignet(arg(args, "c1", 48).intValue(), arg(args, "c2", 96).intValue(),
                    arg(args, "l1", 256).intValue(), arg(args, "d1", 0.1).doubleValue(), classes);
            case "vgg11" -> vgg(BuiltInArchitectures.VGG11, classes);
            case "vgg16" -> vgg(BuiltInArchitectures.VGG16, classes);
            case "resnet18" -> ResNet18.build(classes);
            default -> throw new IllegalArgumentException("Unknown model '" + name + "'");
        };
    }

    /**
     * A spec's model for images of channels x height x width: a registry architecture by name, or declarative
     * layers (checked by shape inference, then built as {@link DeclarativeModels}).
     *
     * @throws IllegalArgumentException naming the layers' problems, for a spec no validator has checked
     */
    public static Block build(ModelSpec model, Map<String, Double> args, int channels, int height, int width,
            int classes) {
        if (!model.isDeclarative()) {
            return build(model.name(), args == null ? Map.of() : args, classes);
        }
        ArchitectureSummary summary = ShapeInference.summarize(model, args, channels, height, width, classes);
        return DeclarativeModels.build(summary.layout());
    }

    private static Number arg(Map<String, ? extends Number> args, String key, Number fallback) {
        Number value = args.get(key);
        return value == null ? fallback : value;
    }

    static Block fc2layer(int hidden, int classes) {
        return new SequentialBlock()
                .add(Blocks.batchFlattenBlock())
                .add(linear(hidden)).add(relu())
                .add(linear(hidden)).add(relu())
                .add(linear(classes));
    }

    static Block mnistCnn(int features, int classes) {
        return new SequentialBlock()
                .add(conv(features, 5, 0)).add(relu()).add(maxPool2())
                .add(conv(features, 5, 0)).add(relu()).add(maxPool2())
                .add(Blocks.batchFlattenBlock())
                .add(linear(50)).add(relu())
                .add(linear(classes));
    }

    static Block mlp(int classes) {
        return new SequentialBlock()
                .add(Blocks.batchFlattenBlock())
                .add(linear(256)).add(relu()).add(dropout(0.2))
                .add(linear(64)).add(relu()).add(dropout(0.2))
                .add(linear(classes));
    }

    static Block lenet(int classes) {
        return new SequentialBlock()
                .add(conv(6, 5, 0)).add(relu()).add(maxPool2())
                .add(conv(16, 5, 0)).add(relu()).add(maxPool2())
                .add(Blocks.batchFlattenBlock())
                .add(linear(120)).add(relu())
                .add(linear(84)).add(relu())
                .add(linear(classes));
    }

    static Block cifarCnn(int classes) {
        SequentialBlock net = new SequentialBlock();
        for (int filters : new int[] {16, 32, 64}) {
            net.add(conv(filters, 3, 1)).add(relu()).add(maxPool2());
        }
        return net.add(Blocks.batchFlattenBlock())
                .add(dropout(0.2)).add(linear(200)).add(relu())
                .add(dropout(0.2)).add(linear(classes));
    }

    static Block confignet(int c1, int c2, int l1, double d1, int classes) {
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
                .add(linear(classes));
    }

    static Block vgg(List<Integer> cfg, int classes) {
        SequentialBlock net = new SequentialBlock();
        for (int layer : cfg) {
            if (layer == 0) {
                net.add(maxPool2());
            } else {
                net.add(conv(layer, 3, 1)).add(BatchNorm.builder().build()).add(relu());
            }
        }
        return net.add(Blocks.batchFlattenBlock()).add(linear(classes));
    }
}
