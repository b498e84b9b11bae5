package dev.kiln.contracts.architectures;

import dev.kiln.contracts.validation.FieldError;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Follows an input through a declarative architecture: each layer's output shape, parameters and
 * multiply-adds, every default filled in, and every problem named by its layer ({@code model.layers[3]}) and
 * the shapes that do not fit. Pure arithmetic: the gateway checks a spec with it before any trainer sees it.
 */
public final class ShapeInference {

    /** Layers in all, residual branches included. */
    public static final int MAX_LAYERS = 256;
    public static final long MAX_PARAMETERS = 200_000_000L;
    /** A layer's channels or units: far above any real network, low enough that no shape overflows. */
    public static final int MAX_WIDTH = 65_536;
    /** A window's kernel, stride or padding: the largest image side. */
    public static final int MAX_WINDOW = 256;
    /** Values a flatten may produce. */
    public static final long MAX_FLAT = 1L << 26;

    private final List<FieldError> errors;
    private final List<ArchitectureSummary.Row> rows = new ArrayList<>();
    private final Set<String> names = new HashSet<>();
    private long parameters;
    private long multiplyAdds;
    private int count;

    private ShapeInference(List<FieldError> errors) {
        this.errors = errors;
    }

    /**
     * @param field   where the layers are in the request ({@code model} for {@code model.layers[...]})
     * @param classes the data set's classes: the head's outputs
     * @return the summary, or empty when a problem was added to {@code errors}
     */
    public static Optional<ArchitectureSummary> infer(List<LayerSpec> layers, int channels, int height, int width,
            int classes, String field, List<FieldError> errors) {
        int before = errors.size();
        if (layers == null || layers.isEmpty()) {
            errors.add(new FieldError(field + ".layers", "is required: at least one layer"));
            return Optional.empty();
        }
        ShapeInference inference = new ShapeInference(errors);
        int[] input = {channels, height, width};
        Branch top = inference.branch(layers, input, field + ".layers", "", classes);
        if (errors.size() > before) {
            return Optional.empty();
        }
        int[] output = top.shape();
        if (output.length != 1 || output[0] != classes) {
            errors.add(new FieldError(field + ".layers", "the model's output is " + shape(output) + ", but the data"
                    + " set has " + classes + " classes: end with a flatten and a linear head (a linear without out)"));
        } else if (inference.parameters > MAX_PARAMETERS) {
            errors.add(new FieldError(field + ".layers", inference.parameters + " parameters, more than the "
                    + MAX_PARAMETERS + " allowed"));
        }
        if (errors.size() > before) {
            return Optional.empty();
        }
        return Optional.of(new ArchitectureSummary(List.of(channels, height, width), List.copyOf(inference.rows),
                inference.parameters, inference.multiplyAdds, list(output), top.layout()));
    }

    /**
     * The summary of a spec's model for images of channels x height x width and {@code classes} classes: a
     * registry model through its declarative form, a declarative one as written.
     *
     * @throws IllegalArgumentException when it does not fit (a spec no validator has checked)
     */
    public static ArchitectureSummary summarize(ModelSpec model, Map<String, Double> args, int channels, int height,
            int width, int classes) {
        List<LayerSpec> layers = model.isDeclarative() ? model.layers() : BuiltInArchitectures.layers(model.name(),
                args);
        List<FieldError> errors = new ArrayList<>();
        return infer(layers, channels, height, width, classes, "model", errors).orElseThrow(() ->
                new IllegalArgumentException("model " + model + " does not fit " + channels + "x" + height + "x"
                        + width + " images and " + classes + " classes: " + errors));
    }

    /** A branch's output shape and its layers with defaults filled in; shape null after a problem. */
    private record Branch(int[] shape, List<LayerSpec> layout) {
    }

    private Branch branch(List<LayerSpec> layers, int[] input, String path, String namePrefix, Integer headClasses) {
        int[] shape = input;
        List<LayerSpec> layout = new ArrayList<>();
        for (int i = 0; i < layers.size() && shape != null; i++) {
            String at = path + "[" + i + "]";
            LayerSpec layer = layers.get(i);
            if (++count > MAX_LAYERS) {
                errors.add(new FieldError(at, "more than " + MAX_LAYERS + " layers"));
                return new Branch(null, layout);
            }
            if (layer == null) {
                errors.add(new FieldError(at, "is not a layer"));
                return new Branch(null, layout);
            }
            String name = layer.name() != null ? layer.name() : namePrefix + i;
            if (!names.add(name)) {
                errors.add(new FieldError(at + ".name", "'" + name + "' names another layer already"));
            }
            boolean head = headClasses != null && i == layers.size() - 1;
            LayerSpec resolved = layer(layer, name, shape, at, head ? headClasses : null);
            if (resolved == null) {
                return new Branch(null, layout);
            }
            layout.add(resolved);
            shape = lastShape;
        }
        return new Branch(shape, layout);
    }

    /** The output shape of the layer {@link #layer} resolved last (what the next layer gets). */
    private int[] lastShape;

    private LayerSpec layer(LayerSpec layer, String name, int[] in, String at, Integer headClasses) {
        Optional<LayerType> known = LayerType.of(layer.type());
        if (known.isEmpty()) {
            errors.add(new FieldError(at + ".type", layer.type() == null ? "is required; one of " + LayerType.names()
                    : "unknown layer '" + layer.type() + "'; one of " + LayerType.names()));
            return null;
        }
        LayerType type = known.get();
        if (!unused(layer, type, at)) {
            return null;
        }
        return switch (type) {
            case CONV2D -> conv(layer, name, in, at);
            case BATCHNORM -> row(layer.named(name), name, type, in, in, 2L * in[0], 0);
            case RELU, GELU, SILU -> row(layer.named(name), name, type, in, in, 0, 0);
            case LEAKYRELU -> {
                double slope = layer.slope() == null ? 0.01 : layer.slope();
                if (!Double.isFinite(slope) || slope < 0 || slope >= 1) {
                    yield fail(at + ".slope", "must be at least 0 and below 1, got " + slope);
                }
                yield row(new LayerSpec(type.json(), name, null, null, null, null, null, null, null, slope, null,
                        null), name, type, in, in, 0, 0);
            }
            case DROPOUT -> {
                double rate = layer.rate() == null ? 0.5 : layer.rate();
                if (!(rate >= 0 && rate < 1)) {
                    yield fail(at + ".rate", "must be at least 0 and below 1, got " + rate);
                }
                yield row(new LayerSpec(type.json(), name, null, null, null, null, null, null, rate, null, null,
                        null), name, type, in, in, 0, 0);
            }
            case MAXPOOL, AVGPOOL -> pool(layer, name, type, in, at);
            case ADAPTIVEAVGPOOL -> spatial(in, at, type)
                    ? row(layer.named(name), name, type, in, new int[] {in[0], 1, 1}, 0, 0) : null;
            case FLATTEN -> {
                long values = in.length == 1 ? in[0] : (long) in[0] * in[1] * in[2];
                if (values > MAX_FLAT) {
                    yield fail(at, "flattens " + shape(in) + " to " + values + " values, more than " + MAX_FLAT
                            + ": shrink the input first (pooling, strides, fewer channels)");
                }
                yield row(layer.named(name), name, type, in, new int[] {(int) values}, 0, 0);
            }
            case LINEAR -> linear(layer, name, in, at, headClasses);
            case RESIDUAL -> residual(layer, name, in, at);
        };
    }

    private LayerSpec conv(LayerSpec layer, String name, int[] in, String at) {
        if (!spatial(in, at, LayerType.CONV2D) || !required(layer.out(), at + ".out")
                || !required(layer.kernel(), at + ".kernel")) {
            return null;
        }
        int stride = orDefault(layer.stride(), 1);
        int padding = orDefault(layer.padding(), 0);
        int groups = orDefault(layer.groups(), 1);
        boolean bias = layer.bias() == null || layer.bias();
        if (!between(layer.out(), 1, MAX_WIDTH, at + ".out") || !between(layer.kernel(), 1, MAX_WINDOW, at + ".kernel")
                || !between(stride, 1, MAX_WINDOW, at + ".stride") || !between(padding, 0, MAX_WINDOW, at + ".padding")
                || !between(groups, 1, MAX_WIDTH, at + ".groups")) {
            return null;
        }
        if (in[0] % groups != 0 || layer.out() % groups != 0) {
            return fail(at + ".groups", groups + " groups must divide both the input's " + in[0] + " channels and"
                    + " out " + layer.out());
        }
        int[] out = slide(in, layer.kernel(), stride, padding, at, layer.out());
        if (out == null) {
            return null;
        }
        long perOutput = (long) (in[0] / groups) * layer.kernel() * layer.kernel();
        long params = layer.out() * perOutput + (bias ? layer.out() : 0);
        long macs = (long) out[0] * out[1] * out[2] * perOutput;
        return row(new LayerSpec(LayerType.CONV2D.json(), name, layer.out(), layer.kernel(), stride, padding, groups,
                bias, null, null, null, null), name, LayerType.CONV2D, in, out, params, macs);
    }

    private LayerSpec pool(LayerSpec layer, String name, LayerType type, int[] in, String at) {
        if (!spatial(in, at, type)) {
            return null;
        }
        int kernel = orDefault(layer.kernel(), 2);
        int stride = orDefault(layer.stride(), kernel);
        int padding = orDefault(layer.padding(), 0);
        if (!between(kernel, 1, MAX_WINDOW, at + ".kernel") || !between(stride, 1, MAX_WINDOW, at + ".stride")
                || !between(padding, 0, MAX_WINDOW, at + ".padding")) {
            return null;
        }
        if (2 * padding > kernel) {
            return fail(at + ".padding", "must be at most half the kernel (" + kernel + "), got " + padding);
        }
        int[] out = slide(in, kernel, stride, padding, at, in[0]);
        return out == null ? null : row(new LayerSpec(type.json(), name, null, kernel, stride,
                padding, null, null, null, null, null, null), name, type, in, out, 0, 0);
    }

    private LayerSpec linear(LayerSpec layer, String name, int[] in, String at, Integer headClasses) {
        if (in.length != 1) {
            return fail(at, "linear needs a flat input, but gets " + shape(in) + ": put a flatten before it");
        }
        Integer units = layer.out();
        if (units == null) {
            if (headClasses == null) {
                return fail(at + ".out", "is required (only the last layer, the head, takes the data's classes)");
            }
            units = headClasses;
        } else if (headClasses != null && !units.equals(headClasses)) {
            return fail(at + ".out", "the head has out " + units + " but the data set has " + headClasses
                    + " classes: leave out out");
        }
        if (!between(units, 1, MAX_WIDTH, at + ".out")) {
            return null;
        }
        boolean bias = layer.bias() == null || layer.bias();
        long params = (long) in[0] * units + (bias ? units : 0);
        return row(new LayerSpec(LayerType.LINEAR.json(), name, units, null, null, null, null, bias, null, null, null,
                null), name, LayerType.LINEAR, in, new int[] {units}, params, (long) in[0] * units);
    }

    private LayerSpec residual(LayerSpec layer, String name, int[] in, String at) {
        if (layer.layers() == null || layer.layers().isEmpty()) {
            return fail(at + ".layers", "is required: the residual block's main branch");
        }
        int row = rows.size();
        rows.add(null);
        Branch main = branch(layer.layers(), in, at + ".layers", name + ".layers.", null);
        if (main.shape() == null) {
            return null;
        }
        int[] out = main.shape();
        long params = 0;
        long macs = 0;
        List<LayerSpec> shortcut = null;
        if (layer.shortcut() != null) {
            Branch given = branch(layer.shortcut(), in, at + ".shortcut", name + ".shortcut.", null);
            if (given.shape() == null) {
                return null;
            }
            if (!Arrays.equals(given.shape(), out)) {
                return fail(at + ".shortcut", "gives " + shape(given.shape()) + " but the main branch gives "
                        + shape(out) + ": they are added, so they must match");
            }
            shortcut = given.layout();
        } else if (!Arrays.equals(in, out)) {
            // ResNet's projection: a 1x1 convolution with the main branch's stride, then batchnorm.
            if (in.length != 3 || out.length != 3 || in[1] % out[1] != 0 || in[2] % out[2] != 0
                    || in[1] / out[1] != in[2] / out[2]) {
                return fail(at + ".shortcut", "the main branch turns " + shape(in) + " into " + shape(out)
                        + ", which no 1x1 projection can match: give a shortcut");
            }
            int stride = in[1] / out[1];
            shortcut = List.of(LayerSpec.conv2d(out[0], 1, stride, 0, false).named(name + ".shortcut.0"),
                    LayerSpec.of(LayerType.BATCHNORM).named(name + ".shortcut.1"));
            params = (long) in[0] * out[0] + 2L * out[0];
            macs = (long) out[0] * out[1] * out[2] * in[0];
        }
        parameters += params;
        multiplyAdds += macs;
        rows.set(row, new ArchitectureSummary.Row(name, LayerType.RESIDUAL.json(), list(out), params, macs));
        lastShape = out;
        return new LayerSpec(LayerType.RESIDUAL.json(), name, null, null, null, null, null, null, null, null,
                main.layout(), shortcut);
    }

    /** Output of a sliding window over the spatial sides; null (with the problem) when nothing is left. */
    private int[] slide(int[] in, int kernel, int stride, int padding, String at, int channels) {
        int height = (in[1] + 2 * padding - kernel) / stride + 1;
        int width = (in[2] + 2 * padding - kernel) / stride + 1;
        if (in[1] + 2 * padding < kernel || in[2] + 2 * padding < kernel || height < 1 || width < 1) {
            return fail(at + ".kernel", "a " + kernel + "x" + kernel + " window (padding " + padding + ") does not fit"
                    + " the input " + shape(in) + ": use a larger imageSize, or fewer layers that shrink it");
        }
        return new int[] {channels, height, width};
    }

    private LayerSpec row(LayerSpec resolved, String name, LayerType type, int[] in, int[] out, long params,
            long macs) {
        rows.add(new ArchitectureSummary.Row(name, type.json(), list(out), params, macs));
        parameters += params;
        multiplyAdds += macs;
        lastShape = out;
        return resolved;
    }

    /** False (with the problem) when the layer sets a field its type does not read. */
    private boolean unused(LayerSpec layer, LayerType type, String at) {
        List<String> set = new ArrayList<>();
        if (layer.out() != null) set.add("out");
        if (layer.kernel() != null) set.add("kernel");
        if (layer.stride() != null) set.add("stride");
        if (layer.padding() != null) set.add("padding");
        if (layer.groups() != null) set.add("groups");
        if (layer.bias() != null) set.add("bias");
        if (layer.rate() != null) set.add("rate");
        if (layer.slope() != null) set.add("slope");
        if (layer.layers() != null) set.add("layers");
        if (layer.shortcut() != null) set.add("shortcut");
        set.removeAll(type.fields());
        if (set.isEmpty()) {
            return true;
        }
        errors.add(new FieldError(at + "." + set.get(0), type.json() + " takes no " + set.get(0)
                + (type.fields().isEmpty() ? "" : "; it reads " + type.fields())));
        return false;
    }

    private boolean spatial(int[] in, String at, LayerType type) {
        if (in.length == 3) {
            return true;
        }
        errors.add(new FieldError(at, type.json() + " needs an image (channels x height x width), but gets the flat "
                + shape(in) + ": put it before the flatten"));
        return false;
    }

    private boolean required(Integer value, String at) {
        if (value == null) {
            errors.add(new FieldError(at, "is required"));
            return false;
        }
        return true;
    }

    private boolean between(int value, int min, int max, String at) {
        if (value < min || value > max) {
            errors.add(new FieldError(at, "must be between " + min + " and " + max + ", got " + value));
            return false;
        }
        return true;
    }

    private <T> T fail(String at, String message) {
        errors.add(new FieldError(at, message));
        return null;
    }

    private static int orDefault(Integer value, int fallback) {
        return value == null ? fallback : value;
    }

    private static List<Integer> list(int[] shape) {
        return Arrays.stream(shape).boxed().toList();
    }

    static String shape(int[] shape) {
        return String.join("x", Arrays.stream(shape).mapToObj(String::valueOf).toList());
    }
}
