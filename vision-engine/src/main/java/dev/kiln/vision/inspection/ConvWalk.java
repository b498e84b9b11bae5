package dev.kiln.vision.inspection;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Block;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.ParallelBlock;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.training.ParameterStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Runs an image through a Kiln-built network block by block, keeping each convolution's output. Kiln builds its
 * networks ({@link dev.kiln.vision.models}) of {@link SequentialBlock}s, whose children run one after another, and
 * {@link ParallelBlock}s (residual blocks: the layers and the shortcut, joined by a sum).
 *
 * <p>A layer is named by its place in that tree, in the style of the model summary's names: a sequence's child by
 * its position ({@code 3}), a parallel block's first branch {@code layers} and second {@code shortcut}
 * ({@code 4.layers.0}), any further one by its position. {@link ModelInspection} prefers the summary's own names
 * where it can infer them (registry models nest their blocks differently from their summary).
 *
 * <p>A parallel block is walked twice: once branch by branch to capture their convolutions, and once whole for its
 * output, since the function that joins its branches is private to DJL. Only residual blocks pay for it.
 */
final class ConvWalk {

    /** DJL's names of the activation blocks of {@link ai.djl.nn.Activation}. */
    private static final Set<String> ACTIVATIONS = Set.of("ReLU", "ReLU6", "LeakyReLU", "ELU", "SELU", "GELU",
            "Swish", "Mish", "sigmoid", "Tanh", "softPlus", "softSign");

    /** One convolution's output, after the blocks named in {@code after}. */
    record Captured(String name, List<String> after, NDArray output) {
    }

    private final ParameterStore parameters;
    private final List<Captured> captured = new ArrayList<>();

    private ConvWalk(ParameterStore parameters) {
        this.parameters = parameters;
    }

    /**
     * The network's convolutions' outputs for the inputs, in the order the inputs meet them; the arrays belong to
     * the inputs' manager.
     *
     * @throws NotInspectableException when a block other than a sequence or a parallel block holds convolutions
     */
    static List<Captured> convolutions(Block network, ParameterStore parameters, NDList inputs) {
        ConvWalk walk = new ConvWalk(parameters);
        walk.forward(network, inputs, "");
        return walk.captured;
    }

    /** The first convolution of the network, depth first, and its name; null when there is none. */
    static Named<Conv2d> firstConvolution(Block block, String path) {
        if (block instanceof Conv2d conv) {
            return new Named<>(path, conv);
        }
        List<Block> children = block.getChildren().values();
        for (int i = 0; i < children.size(); i++) {
            Named<Conv2d> found = firstConvolution(children.get(i), childName(block, path, i));
            if (found != null) {
                return found;
            }
        }
        return null;
    }

    record Named<T>(String name, T value) {
    }

    /**
     * The last of a sequence's blocks that holds a convolution, taken with the batch norm and the activation that
     * directly follow it: where Grad-CAM reads the network. -1 when no block holds a convolution.
     */
    static int lastConvolutionalBlock(List<Block> children) {
        int last = -1;
        for (int i = 0; i < children.size(); i++) {
            if (firstConvolution(children.get(i), "") != null) {
                last = i;
            }
        }
        if (last < 0) {
            return -1;
        }
        if (last + 1 < children.size() && children.get(last + 1) instanceof BatchNorm) {
            last++;
        }
        if (last + 1 < children.size() && activation(children.get(last + 1)) != null) {
            last++;
        }
        return last;
    }

    private NDList forward(Block block, NDList inputs, String path) {
        if (block instanceof SequentialBlock sequence) {
            List<Block> children = sequence.getChildren().values();
            NDList x = inputs;
            for (int i = 0; i < children.size(); i++) {
                Block child = children.get(i);
                String name = childName(block, path, i);
                if (!(child instanceof Conv2d)) {
                    x = forward(child, x, name);
                    continue;
                }
                x = child.forward(parameters, x, false);
                List<String> after = new ArrayList<>(List.of("conv2d"));
                // The batch norm and the activation that follow the convolution belong to its picture.
                while (i + 1 < children.size()) {
                    Block next = children.get(i + 1);
                    boolean norm = next instanceof BatchNorm && after.size() == 1;
                    String activation = activation(next);
                    if (!norm && activation == null) {
                        break;
                    }
                    x = next.forward(parameters, x, false);
                    after.add(norm ? "batchnorm" : activation);
                    i++;
                    if (activation != null) {
                        break;
                    }
                }
                captured.add(new Captured(name, List.copyOf(after), x.singletonOrThrow()));
            }
            return x;
        }
        if (block instanceof Conv2d) {
            NDList out = block.forward(parameters, inputs, false);
            captured.add(new Captured(path, List.of("conv2d"), out.singletonOrThrow()));
            return out;
        }
        if (block instanceof ParallelBlock) {
            List<Block> branches = block.getChildren().values();
            for (int i = 0; i < branches.size(); i++) {
                forward(branches.get(i), inputs, childName(block, path, i));
            }
            return block.forward(parameters, inputs, false);
        }
        if (firstConvolution(block, path) != null) {
            throw new NotInspectableException("the network's " + block.getClass().getSimpleName() + " at '" + path
                    + "' holds convolutions in a form that cannot be stepped through");
        }
        return block.forward(parameters, inputs, false);
    }

    private static String activation(Block block) {
        if (block instanceof LambdaBlock lambda && ACTIVATIONS.contains(lambda.getName())) {
            return lambda.getName().toLowerCase(Locale.ROOT);
        }
        return null;
    }

    private static String childName(Block parent, String path, int index) {
        String own = parent instanceof ParallelBlock && index < 2 ? (index == 0 ? "layers" : "shortcut")
                : String.valueOf(index);
        return path.isEmpty() ? own : path + "." + own;
    }
}
