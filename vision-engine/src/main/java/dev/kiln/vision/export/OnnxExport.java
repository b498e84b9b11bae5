package dev.kiln.vision.export;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import dev.kiln.contracts.architectures.ArchitectureSummary;
import dev.kiln.contracts.architectures.LayerSpec;
import dev.kiln.contracts.architectures.LayerType;
import dev.kiln.contracts.architectures.ModelSpec;
import dev.kiln.contracts.architectures.ShapeInference;
import dev.kiln.contracts.messaging.Json;
import dev.kiln.vision.checkpoints.Checkpoint;
import dev.kiln.vision.checkpoints.CheckpointException;
import dev.kiln.vision.checkpoints.CheckpointManifest;
import dev.kiln.vision.checkpoints.EvalTransform;
import dev.kiln.vision.engine.DjlRuntime;
import dev.kiln.vision.models.LayerParameters;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A Kiln checkpoint as an ONNX model (opset {@value OnnxGraph#OPSET}), layer for layer from its architecture's
 * layout: input {@code pixels} (N x C x H x W floats in [0, 1], as the checkpoint's evaluation transform sizes
 * them), normalised inside the graph with the checkpoint's mean and std; outputs {@code logits} and
 * {@code probabilities} (N x classes). The class names, the transform and the run's spec are metadata.
 */
public final class OnnxExport {

    /** The graph's input: N x C x H x W floats. */
    public static final String INPUT = "pixels";
    /** The graph's softmax output, N x classes. */
    public static final String PROBABILITIES = "probabilities";

    /** DJL's BatchNorm epsilon, which is also PyTorch's. */
    private static final float BATCHNORM_EPSILON = 1e-5f;

    private final OnnxGraph graph = new OnnxGraph();
    private final Map<String, List<Parameter>> parameters;

    private OnnxExport(Map<String, List<Parameter>> parameters) {
        this.parameters = parameters;
    }

    /**
     * @throws CheckpointException      when the checkpoint's parameters do not load
     * @throws IllegalArgumentException for an imported TorchScript model (it exports as TorchScript)
     */
    public static byte[] export(Checkpoint checkpoint) throws CheckpointException {
        CheckpointManifest manifest = checkpoint.manifest();
        requireKilnBuilt(manifest);
        DjlRuntime.prepareThread();
        try (NDManager manager = NDManager.newBaseManager(Device.cpu(), DjlRuntime.ENGINE)) {
            return build(manifest, checkpoint.loadBlock(manager), Input.PIXELS);
        }
    }

    /**
     * The graph Kiln's own CPU serving runs (see {@link dev.kiln.vision.serving.ForwardEngine#ONNX_RUNTIME}): the same
     * layers and parameters, from a block already loaded on the CPU, but its input {@code pixels} already normalised
     * (as {@link dev.kiln.vision.serving.ImageInputs} makes them), so the served pass does not normalise twice.
     */
    public static byte[] forNormalisedInput(CheckpointManifest manifest, Block block) {
        requireKilnBuilt(manifest);
        return build(manifest, block, Input.NORMALISED);
    }

    /** What the graph's input holds. */
    private enum Input {
        /** Floats in [0, 1]: the graph normalises them (the exported file, for any ONNX consumer). */
        PIXELS,
        /** Already normalised with the checkpoint's mean and std. */
        NORMALISED
    }

    private static byte[] build(CheckpointManifest manifest, Block block, Input input) {
        EvalTransform transform = manifest.evalTransform();
        ModelSpec model = manifest.spec() != null ? manifest.spec().model() : ModelSpec.named(manifest.model());
        ArchitectureSummary summary = ShapeInference.summarize(model, manifest.modelArgs(), transform.channels(),
                transform.height(), transform.width(), manifest.classes().size());
        return new OnnxExport(LayerParameters.of(summary.layout(), block)).build(manifest, summary, input);
    }

    /** Checked before the parameters load: an imported module's layers are not Kiln's to map. */
    private static void requireKilnBuilt(CheckpointManifest manifest) {
        if (manifest.torchScript()) {
            throw new IllegalArgumentException("an imported TorchScript model exports as TorchScript, not ONNX: its"
                    + " layers are not Kiln's to map");
        }
    }

    private byte[] build(CheckpointManifest manifest, ArchitectureSummary summary, Input input) {
        EvalTransform transform = manifest.evalTransform();
        int channels = transform.channels();
        graph.input(INPUT, -1, channels, transform.height(), transform.width());
        String x = INPUT;
        if (input == Input.PIXELS) {
            x = graph.node("Sub", x, graph.constant("mean", floats(transform.mean()), 1, channels, 1, 1));
            x = graph.node("Div", x, graph.constant("std", floats(transform.std()), 1, channels, 1, 1));
        }
        String logits = layers(summary.layout(), x);
        int classes = manifest.classes().size();
        graph.output(logits, "logits", -1, classes);
        graph.output(graph.node("Softmax", List.of(logits), Map.of("axis", 1)), PROBABILITIES, -1, classes);
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("kiln.classes", Json.write(manifest.classes()));
        metadata.put("kiln.transform", Json.write(transform));
        metadata.put("kiln.model", manifest.model());
        if (manifest.spec() != null) {
            metadata.put("kiln.spec", Json.write(manifest.spec()));
        }
        String version = manifest.versions() == null ? "unknown" : String.valueOf(manifest.versions().get("kiln"));
        return graph.model(manifest.model(), version, metadata);
    }

    private String layers(List<LayerSpec> layers, String x) {
        for (LayerSpec layer : layers) {
            x = layer(layer, x);
        }
        return x;
    }

    private String layer(LayerSpec layer, String x) {
        LayerType type = LayerType.of(layer.type()).orElseThrow();
        return switch (type) {
            case CONV2D -> {
                Map<String, Object> attributes = new LinkedHashMap<>();
                attributes.put("kernel_shape", new long[] {layer.kernel(), layer.kernel()});
                attributes.put("strides", new long[] {layer.stride(), layer.stride()});
                attributes.put("pads", new long[] {layer.padding(), layer.padding(), layer.padding(), layer.padding()});
                attributes.put("group", layer.groups());
                yield graph.node("Conv", withWeights(x, layer), attributes);
            }
            case BATCHNORM -> graph.node("BatchNormalization", withWeights(x, layer),
                    Map.of("epsilon", BATCHNORM_EPSILON));
            case RELU -> graph.node("Relu", x);
            case LEAKYRELU -> graph.node("LeakyRelu", List.of(x), Map.of("alpha", layer.slope().floatValue()));
            // Opset 13 has no Gelu: x * (1 + erf(x / sqrt 2)) / 2, exactly as PyTorch's default.
            case GELU -> graph.node("Mul", graph.node("Mul", x, graph.node("Add", scalar(1f),
                    graph.node("Erf", graph.node("Div", x, scalar((float) Math.sqrt(2)))))), scalar(0.5f));
            case SILU -> graph.node("Mul", x, graph.node("Sigmoid", x));
            case MAXPOOL, AVGPOOL -> {
                Map<String, Object> attributes = new LinkedHashMap<>();
                attributes.put("kernel_shape", new long[] {layer.kernel(), layer.kernel()});
                attributes.put("strides", new long[] {layer.stride(), layer.stride()});
                attributes.put("pads", new long[] {layer.padding(), layer.padding(), layer.padding(), layer.padding()});
                if (type == LayerType.AVGPOOL) {
                    attributes.put("count_include_pad", 1);
                }
                yield graph.node(type == LayerType.MAXPOOL ? "MaxPool" : "AveragePool", List.of(x), attributes);
            }
            case ADAPTIVEAVGPOOL -> graph.node("GlobalAveragePool", x);
            // Inference: dropout passes its input through.
            case DROPOUT -> x;
            case FLATTEN -> graph.node("Flatten", List.of(x), Map.of("axis", 1));
            case LINEAR -> graph.node("Gemm", withWeights(x, layer),
                    Map.of("transB", 1));
            case RESIDUAL -> graph.node("Add", layers(layer.layers(), x),
                    layer.shortcut() == null ? x : layers(layer.shortcut(), x));
        };
    }

    /**
     * A layer's node inputs: the running tensor, then its parameters as initialisers, in DJL's order, which is
     * ONNX's too (weight, bias; BatchNorm's scale, bias, mean, variance).
     */
    private List<String> withWeights(String x, LayerSpec layer) {
        List<String> inputs = new ArrayList<>(List.of(x));
        List<Parameter> own = parameters.get(layer.name());
        for (int i = 0; i < own.size(); i++) {
            NDArray array = own.get(i).getArray();
            inputs.add(graph.constant(layer.name() + "." + own.get(i).getName(), array.toFloatArray(),
                    array.getShape().getShape()));
        }
        return inputs;
    }

    private String scalar(float value) {
        return graph.constant(graph.name("c"), new float[] {value});
    }

    private static float[] floats(List<Float> values) {
        float[] array = new float[values.size()];
        for (int i = 0; i < array.length; i++) {
            array[i] = values.get(i);
        }
        return array;
    }
}
