package dev.kiln.contracts.architectures;

import static dev.kiln.contracts.architectures.LayerSpec.conv2d;
import static dev.kiln.contracts.architectures.LayerSpec.dropout;
import static dev.kiln.contracts.architectures.LayerSpec.head;
import static dev.kiln.contracts.architectures.LayerSpec.linear;
import static dev.kiln.contracts.architectures.LayerSpec.maxPool;

import dev.kiln.contracts.runs.Catalog;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The registry's architectures written as declarative layers: what their summaries are computed from, and
 * proof that the declarative form expresses them (vision-engine's tests build both and compare parameter
 * counts with PyTorch's).
 */
public final class BuiltInArchitectures {

    private static final LayerSpec RELU = LayerSpec.of(LayerType.RELU);
    private static final LayerSpec BATCHNORM = LayerSpec.of(LayerType.BATCHNORM);
    private static final LayerSpec FLATTEN = LayerSpec.of(LayerType.FLATTEN);
    /** VGG's configurations: output channels of each 3x3 convolution, 0 a 2x2 max-pool ("M"). */
    public static final List<Integer> VGG11 = List.of(64, 0, 128, 0, 256, 256, 0, 512, 512, 0, 512, 512, 0);
    public static final List<Integer> VGG16 = List.of(64, 64, 0, 128, 128, 0, 256, 256, 256, 0, 512, 512, 512, 0,
            512, 512, 512, 0);

    private BuiltInArchitectures() {
    }

    /**
     * @param model a name from {@link Catalog#MODELS}
     * @param args  its architecture arguments; missing ones take the catalog's defaults
     */
    public static List<LayerSpec> layers(String model, Map<String, Double> args) {
        Map<String, Catalog.ModelArg> defaults = Catalog.model(model).args();
        java.util.function.ToDoubleFunction<String> arg = key -> args != null && args.get(key) != null
                ? args.get(key) : defaults.get(key).defaultValue();
        return switch (model) {
            case "fc2layer" -> {
                int hidden = (int) arg.applyAsDouble("n_hidden");
                yield List.of(FLATTEN, linear(hidden), RELU, linear(hidden), RELU, head());
            }
            case "mnist-cnn" -> {
                int features = (int) arg.applyAsDouble("n_feature");
                yield List.of(conv2d(features, 5, 0), RELU, maxPool(2), conv2d(features, 5, 0), RELU, maxPool(2),
                        FLATTEN, linear(50), RELU, head());
            }
            case "mlp" -> List.of(FLATTEN, linear(256), RELU, dropout(0.2), linear(64), RELU, dropout(0.2), head());
            case "lenet" -> List.of(conv2d(6, 5, 0), RELU, maxPool(2), conv2d(16, 5, 0), RELU, maxPool(2), FLATTEN,
                    linear(120), RELU, linear(84), RELU, head());
            case "cifar-cnn" -> List.of(conv2d(16, 3, 1), RELU, maxPool(2), conv2d(32, 3, 1), RELU, maxPool(2),
                    conv2d(64, 3, 1), RELU, maxPool(2), FLATTEN, dropout(0.2), linear(200), RELU, dropout(0.2), head());
            case "confignet" -> {
                int c1 = (int) arg.applyAsDouble("c1");
                int c2 = (int) arg.applyAsDouble("c2");
                yield List.of(conv2d(c1, 3, 0), RELU, conv2d(c1, 3, 0), RELU, dropout(arg.applyAsDouble("d1")),
                        conv2d(c2, 3, 0), RELU, conv2d(c2, 3, 2, 0, true), RELU, dropout(0.5), FLATTEN, BATCHNORM,
                        RELU, linear((int) arg.applyAsDouble("l1")), RELU, head());
            }
            case "vgg11" -> vgg(VGG11);
            case "vgg16" -> vgg(VGG16);
            case "resnet18" -> resnet18();
            default -> throw new IllegalArgumentException("unknown model '" + model + "'");
        };
    }

    private static List<LayerSpec> vgg(List<Integer> config) {
        List<LayerSpec> layers = new ArrayList<>();
        for (int channels : config) {
            if (channels == 0) {
                layers.add(maxPool(2));
            } else {
                layers.addAll(List.of(conv2d(channels, 3, 1), BATCHNORM, RELU));
            }
        }
        layers.addAll(List.of(FLATTEN, head()));
        return layers;
    }

    /** A 3x3 stem of 64, four stages of two basic blocks (projected shortcuts where the shape changes). */
    private static List<LayerSpec> resnet18() {
        List<LayerSpec> layers = new ArrayList<>(List.of(conv2d(64, 3, 1, 1, false), BATCHNORM, RELU));
        for (int stage = 0; stage < 4; stage++) {
            int channels = 64 << stage;
            for (int block = 0; block < 2; block++) {
                int stride = stage > 0 && block == 0 ? 2 : 1;
                layers.add(LayerSpec.residual(List.of(conv2d(channels, 3, stride, 1, false), BATCHNORM, RELU,
                        conv2d(channels, 3, 1, 1, false), BATCHNORM), null));
                layers.add(RELU);
            }
        }
        layers.addAll(List.of(LayerSpec.of(LayerType.ADAPTIVEAVGPOOL), FLATTEN, head()));
        return layers;
    }
}
