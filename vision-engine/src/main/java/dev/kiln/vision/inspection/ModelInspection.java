package dev.kiln.vision.inspection;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import dev.kiln.contracts.architectures.LayerSpec;
import dev.kiln.contracts.architectures.LayerType;
import dev.kiln.contracts.architectures.ModelSpec;
import dev.kiln.contracts.architectures.ShapeInference;
import dev.kiln.vision.checkpoints.CheckpointManifest;
import dev.kiln.vision.checkpoints.EvalTransform;
import dev.kiln.vision.engine.DjlRuntime;
import dev.kiln.vision.serving.Bilinear;
import dev.kiln.vision.serving.Classifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Inside a served network, as the tutorials draw it: the first convolution's filters, every convolution's feature
 * maps for an image, and the image's gradient saliency or Grad-CAM. Each call reads the classifier's parameters and
 * runs its own forward pass in a manager of its own, closed before it returns, so nothing of it outlives the call
 * and a prediction running at the same time on the same network sees nothing of it.
 *
 * <p>Inputs are one image as {@link dev.kiln.vision.serving.ImageInputs} prepares it for the classifier:
 * normalised, channel-first floats. Only Kiln-built networks can be stepped through; an imported TorchScript
 * module is one compiled block ({@link NotInspectableException}).
 */
public final class ModelInspection {

    /** Channels per layer a feature-map answer gives unless asked for another number. */
    public static final int DEFAULT_CHANNELS = 16;
    /** The most channels per layer one answer may give: 64 of ResNet-18's 20 layers is about 10 MB of JSON. */
    public static final int MAX_CHANNELS = 64;
    /**
     * The most values one feature-map answer may hold, whatever the image size: about 40 MB of JSON. Kiln's
     * networks on their 28x28 and 32x32 images stay far below it (ResNet-18, 64 channels: 1.3 million).
     */
    public static final long MAX_VALUES = 1L << 22;


    private ModelInspection() {
    }

    /**
     * The first convolution's weights, read where they are (nothing runs).
     *
     * @throws NotInspectableException for an imported model, or a network without a convolution
     */
    public static ConvFilters filters(Classifier classifier) {
        Block network = walkable(classifier);
        ConvWalk.Named<Conv2d> first = ConvWalk.firstConvolution(network, "");
        if (first == null) {
            throw noConvolution(classifier);
        }
        NDArray weight = parameter(first.value(), "weight").getArray();
        Parameter biasParameter = parameter(first.value(), "bias");
        float[] bias = biasParameter == null ? null : biasParameter.getArray().toFloatArray();
        Shape shape = weight.getShape();
        int out = (int) shape.get(0);
        int per = (int) (shape.size() / out);
        float[] weights = weight.toFloatArray();
        List<ConvFilters.Filter> filters = new ArrayList<>(out);
        for (int f = 0; f < out; f++) {
            float[] one = Arrays.copyOfRange(weights, f * per, (f + 1) * per);
            filters.add(new ConvFilters.Filter(f, one, min(one), max(one), bias == null ? null : bias[f]));
        }
        List<String> names = convolutionNames(classifier);
        return new ConvFilters(names.isEmpty() ? first.name() : names.get(0), out, (int) shape.get(1),
                List.of((int) shape.get(2), (int) shape.get(3)), filters);
    }

    /**
     * Every convolution's output for one image, in evaluation mode (batch norm's running statistics, no dropout).
     *
     * @param maxChannels the first this many channels of each layer are given, 1 to {@link #MAX_CHANNELS}
     * @throws NotInspectableException for an imported model, or a network without a convolution
     * @throws TooManyValuesException  when the maps would hold more than {@link #MAX_VALUES} values
     */
    public static FeatureMaps featureMaps(Classifier classifier, float[] input, int maxChannels) {
        return featureMaps(classifier, input, maxChannels, MAX_VALUES);
    }

    /**
     * @param maxValues the most values the maps may hold in all
     * @throws TooManyValuesException when the first {@code maxChannels} channels of every layer hold more
     */
    static FeatureMaps featureMaps(Classifier classifier, float[] input, int maxChannels, long maxValues) {
        if (maxChannels < 1 || maxChannels > MAX_CHANNELS) {
            throw new IllegalArgumentException("maxChannels must be 1 to " + MAX_CHANNELS + ", got " + maxChannels);
        }
        Block network = walkable(classifier);
        EvalTransform t = classifier.transform();
        checkInput(classifier, input);
        DjlRuntime.prepareThread();
        try (NDManager scope = NDManager.newBaseManager(classifier.device())) {
            NDArray x = scope.create(input, new Shape(1, t.channels(), t.height(), t.width()));
            List<ConvWalk.Captured> convolutions = ConvWalk.convolutions(network, new ParameterStore(scope, false),
                    new NDList(x));
            if (convolutions.isEmpty()) {
                throw noConvolution(classifier);
            }
            List<String> names = convolutionNames(classifier);
            if (names.size() != convolutions.size()) {
                names = convolutions.stream().map(ConvWalk.Captured::name).toList();
            }
            checkValues(convolutions, maxChannels, maxValues);
            List<FeatureMaps.Layer> layers = new ArrayList<>(convolutions.size());
            for (int index = 0; index < convolutions.size(); index++) {
                ConvWalk.Captured conv = convolutions.get(index);
                Shape shape = conv.output().getShape();
                int channels = (int) shape.get(1);
                int height = (int) shape.get(2);
                int width = (int) shape.get(3);
                int shown = Math.min(channels, maxChannels);
                int plane = height * width;
                // Only the channels given leave the device.
                float[] values = conv.output().get("0, :" + shown).toFloatArray();
                List<FeatureMaps.ChannelMap> maps = new ArrayList<>(shown);
                for (int c = 0; c < shown; c++) {
                    float[] map = Arrays.copyOfRange(values, c * plane, (c + 1) * plane);
                    maps.add(new FeatureMaps.ChannelMap(c, map, min(map), max(map)));
                }
                layers.add(new FeatureMaps.Layer(index, names.get(index), conv.after(), channels, height, width, maps));
            }
            return new FeatureMaps(List.of(t.channels(), t.height(), t.width()), maxChannels, layers);
        }
    }

    /**
     * Vanilla gradient saliency of one image for a class: the image's gradient only. The served parameters were
     * loaded without gradients ({@code Parameter.load} does not ask for them), so the backward pass computes and
     * stores none for them, and PyTorch's autograd mode, which the collector turns on, is per thread: predictions
     * on other threads run as before.
     *
     * @param classIndex the class to explain; null for the predicted one
     * @throws NotInspectableException for an imported model
     */
    public static SaliencyMap saliency(Classifier classifier, float[] input, Integer classIndex) {
        Block network = walkable(classifier);
        checkClass(classifier, classIndex);
        EvalTransform t = classifier.transform();
        checkInput(classifier, input);
        DjlRuntime.prepareThread();
        DjlRuntime.GRADIENTS.lock();
        try (NDManager scope = NDManager.newBaseManager(classifier.device());
                GradientCollector collector = Engine.getEngine(DjlRuntime.ENGINE).newGradientCollector()) {
            NDArray x = scope.create(input, new Shape(1, t.channels(), t.height(), t.width()));
            x.setRequiresGradient(true);
            NDArray logits = network.forward(new ParameterStore(scope, false), new NDList(x), false)
                    .singletonOrThrow();
            float[] probabilities = logits.softmax(1).toFloatArray();
            int predicted = argmax(probabilities);
            int explained = classIndex == null ? predicted : classIndex;
            collector.backward(logits.get(0, explained));
            float[] values = x.getGradient().abs().max(new int[] {1}).toFloatArray();
            scaleToLargest(values);
            return new SaliencyMap(SaliencyMap.GRADIENT, null, explained, predicted, probabilities, t.height(),
                    t.width(), values);
        } finally {
            DjlRuntime.GRADIENTS.unlock();
        }
    }

    /**
     * Grad-CAM of one image for a class, at the output of the network's last block holding a convolution (with the
     * batch norm and activation that directly follow it). That output is taken, detached, as a leaf of its own that
     * takes gradients, and the rest of the network runs from it: the gradient reaches it and nothing before it, and,
     * as for {@link #saliency}, no parameter.
     *
     * @param classIndex the class to explain; null for the predicted one
     * @throws NotInspectableException for an imported model, or a network without a convolution
     */
    public static SaliencyMap gradCam(Classifier classifier, float[] input, Integer classIndex) {
        Block network = walkable(classifier);
        checkClass(classifier, classIndex);
        EvalTransform t = classifier.transform();
        checkInput(classifier, input);
        if (!(network instanceof SequentialBlock sequence)) {
            throw new NotInspectableException("Grad-CAM reads a sequence of layers; this network is one "
                    + network.getClass().getSimpleName());
        }
        List<Block> children = sequence.getChildren().values();
        int last = ConvWalk.lastConvolutionalBlock(children);
        if (last < 0) {
            throw noConvolution(classifier);
        }
        List<String> names = convolutionNames(classifier);
        String layer = names.isEmpty() ? String.valueOf(last) : names.get(names.size() - 1);
        DjlRuntime.prepareThread();
        DjlRuntime.GRADIENTS.lock();
        try (NDManager scope = NDManager.newBaseManager(classifier.device())) {
            ParameterStore parameters = new ParameterStore(scope, false);
            NDList x = new NDList(scope.create(input, new Shape(1, t.channels(), t.height(), t.width())));
            for (int i = 0; i <= last; i++) {
                x = children.get(i).forward(parameters, x, false);
            }
            float[] probabilities;
            int predicted;
            int explained;
            float[] cam;
            Shape shape;
            try (GradientCollector collector = Engine.getEngine(DjlRuntime.ENGINE).newGradientCollector()) {
                NDArray activations = x.singletonOrThrow().stopGradient();
                activations.setRequiresGradient(true);
                NDList y = new NDList(activations);
                for (int i = last + 1; i < children.size(); i++) {
                    y = children.get(i).forward(parameters, y, false);
                }
                NDArray logits = y.singletonOrThrow();
                probabilities = logits.softmax(1).toFloatArray();
                predicted = argmax(probabilities);
                explained = classIndex == null ? predicted : classIndex;
                collector.backward(logits.get(0, explained));
                // PyTorch through DJL averages over one axis at a time.
                NDArray weights = activations.getGradient().mean(new int[] {3}, true).mean(new int[] {2}, true);
                NDArray map = activations.stopGradient().mul(weights).sum(new int[] {1}).get(0).maximum(0f);
                shape = map.getShape();
                cam = map.toFloatArray();
            }
            float[] values = resize(cam, (int) shape.get(0), (int) shape.get(1), t.height(), t.width());
            scaleToLargest(values);
            return new SaliencyMap(SaliencyMap.GRAD_CAM, layer, explained, predicted, probabilities, t.height(),
                    t.width(), values);
        } finally {
            DjlRuntime.GRADIENTS.unlock();
        }
    }

    /** A class to explain must be one of the classifier's (null: the predicted one). */
    private static void checkClass(Classifier classifier, Integer classIndex) {
        int classes = classifier.classes().size();
        if (classIndex != null && (classIndex < 0 || classIndex >= classes)) {
            throw new IllegalArgumentException("class " + classIndex + " of " + classes);
        }
    }

    /** Divides every value by the largest (a map of zeros stays so): the map in [0, 1]. */
    private static void scaleToLargest(float[] values) {
        float largest = max(values);
        if (largest > 0) {
            for (int i = 0; i < values.length; i++) {
                values[i] /= largest;
            }
        }
    }

    /** Bilinear resize with half-pixel centres (PyTorch's {@code interpolate(align_corners=False)}). */
    static float[] resize(float[] map, int h, int w, int outH, int outW) {
        if (h == outH && w == outW) {
            return map.clone();
        }
        float[] out = new float[outH * outW];
        Bilinear.resize(h, w, outH, outW, i -> map[i], (i, v) -> out[i] = (float) v);
        return out;
    }

    /** Counted from the shapes, before any map leaves the device. */
    private static void checkValues(List<ConvWalk.Captured> convolutions, int maxChannels, long maxValues) {
        long values = values(convolutions, maxChannels);
        if (values <= maxValues) {
            return;
        }
        int fit = maxChannels - 1;
        while (fit > 0 && values(convolutions, fit) > maxValues) {
            fit--;
        }
        throw new TooManyValuesException("the first " + maxChannels + " channels of every convolution hold " + values
                + " values for this model's input, more than the " + maxValues + " one answer may hold"
                + (fit > 0 ? ": ask for at most " + fit : ": not even one channel a layer fits"), fit);
    }

    private static long values(List<ConvWalk.Captured> convolutions, int channels) {
        long values = 0;
        for (ConvWalk.Captured conv : convolutions) {
            Shape shape = conv.output().getShape();
            values += Math.min(shape.get(1), channels) * shape.get(2) * shape.get(3);
        }
        return values;
    }

    /** The classifier's network, if it can be stepped through. */
    private static Block walkable(Classifier classifier) {
        if (classifier.manifest().torchScript()) {
            throw new NotInspectableException("this version is an imported TorchScript model: PyTorch compiled it"
                    + " into one module that runs whole, so its layers, their outputs and gradients cannot be reached;"
                    + " only models Kiln trained can be looked inside");
        }
        return classifier.block();
    }

    /**
     * The convolutions' names as the model's summary shows them ({@code 0}, {@code 5.layers.0}), in the order an
     * image meets them: the layout lists its layers depth first, a residual block's layers before its shortcut,
     * the order DJL's blocks run them in (as {@link dev.kiln.vision.models.LayerParameters} relies on too). Empty
     * when the layout cannot be inferred; the callers then name layers by their place in the block tree.
     */
    private static List<String> convolutionNames(Classifier classifier) {
        CheckpointManifest manifest = classifier.manifest();
        EvalTransform t = manifest.evalTransform();
        try {
            ModelSpec model = manifest.spec() != null ? manifest.spec().model() : ModelSpec.named(manifest.model());
            List<String> names = new ArrayList<>();
            collectConvolutions(ShapeInference.summarize(model, manifest.modelArgs(), t.channels(), t.height(),
                    t.width(), manifest.classes().size()).layout(), names);
            return names;
        } catch (RuntimeException e) {
            return List.of();
        }
    }

    private static void collectConvolutions(List<LayerSpec> layers, List<String> names) {
        for (LayerSpec layer : layers) {
            LayerType type = LayerType.of(layer.type()).orElse(null);
            if (type == LayerType.CONV2D) {
                names.add(layer.name());
            } else if (type == LayerType.RESIDUAL) {
                collectConvolutions(layer.layers(), names);
                if (layer.shortcut() != null) {
                    collectConvolutions(layer.shortcut(), names);
                }
            }
        }
    }

    private static NotInspectableException noConvolution(Classifier classifier) {
        return new NotInspectableException("this version's network (" + classifier.manifest().model() + ") has no"
                + " convolution layer: there are no filters or feature maps to show");
    }

    private static void checkInput(Classifier classifier, float[] input) {
        if (input.length != classifier.inputSize()) {
            throw new IllegalArgumentException(input.length + " floats are not one image of " + classifier.inputSize());
        }
    }

    private static Parameter parameter(Conv2d conv, String name) {
        return conv.getParameters().contains(name) ? conv.getParameters().get(name) : null;
    }

    private static int argmax(float[] values) {
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            if (values[i] > values[best]) {
                best = i;
            }
        }
        return best;
    }

    private static float min(float[] values) {
        float min = Float.POSITIVE_INFINITY;
        for (float v : values) {
            min = Math.min(min, v);
        }
        return min;
    }

    private static float max(float[] values) {
        float max = Float.NEGATIVE_INFINITY;
        for (float v : values) {
            max = Math.max(max, v);
        }
        return max;
    }
}
