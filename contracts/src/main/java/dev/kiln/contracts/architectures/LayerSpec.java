package dev.kiln.contracts.architectures;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * One layer of a declarative architecture ({@code "model": {"layers": [...]}}), named by {@code type}; each
 * type reads the fields it documents and no others (contracts/README.md has the table).
 *
 * @param type     conv2d, batchnorm, relu, leakyrelu, gelu, silu, maxpool, avgpool, adaptiveavgpool, dropout,
 *                 flatten, linear or residual
 * @param name     what freezing and the summary call the layer; default its position ({@code 3}, {@code 5.layers.1})
 * @param out      conv2d: output channels; linear: output units, omitted on the classifier head (the data's classes)
 * @param kernel   conv2d (required), maxpool and avgpool (default 2): the square kernel's side
 * @param stride   conv2d (default 1), pools (default the kernel)
 * @param padding  conv2d and pools, default 0
 * @param groups   conv2d, default 1 (channels split into groups; depthwise when it equals the input channels)
 * @param bias     conv2d and linear, default true
 * @param rate     dropout's probability, default 0.5
 * @param slope    leakyrelu's negative slope, default 0.01
 * @param layers   residual: the main branch, added to the shortcut
 * @param shortcut residual: the shortcut branch; omitted, the input itself, or a 1x1 conv2d (with the main
 *                 branch's stride, no bias) and batchnorm when the shapes differ, as ResNet projects
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record LayerSpec(String type, String name, Integer out, Integer kernel, Integer stride, Integer padding,
        Integer groups, Boolean bias, Double rate, Double slope, List<LayerSpec> layers, List<LayerSpec> shortcut) {

    public static LayerSpec of(LayerType type) {
        return new LayerSpec(type.json(), null, null, null, null, null, null, null, null, null, null, null);
    }

    public static LayerSpec conv2d(int out, int kernel, int stride, int padding, boolean bias) {
        return new LayerSpec(LayerType.CONV2D.json(), null, out, kernel, stride, padding, 1, bias, null, null, null,
                null);
    }

    public static LayerSpec conv2d(int out, int kernel, int padding) {
        return conv2d(out, kernel, 1, padding, true);
    }

    public static LayerSpec maxPool(int kernel) {
        return new LayerSpec(LayerType.MAXPOOL.json(), null, null, kernel, null, null, null, null, null, null, null,
                null);
    }

    public static LayerSpec linear(Integer out) {
        return new LayerSpec(LayerType.LINEAR.json(), null, out, null, null, null, null, null, null, null, null, null);
    }

    /** The classifier head: a linear layer with the data set's number of classes. */
    public static LayerSpec head() {
        return linear(null);
    }

    public static LayerSpec dropout(double rate) {
        return new LayerSpec(LayerType.DROPOUT.json(), null, null, null, null, null, null, null, rate, null, null,
                null);
    }

    public static LayerSpec residual(List<LayerSpec> layers, List<LayerSpec> shortcut) {
        return new LayerSpec(LayerType.RESIDUAL.json(), null, null, null, null, null, null, null, null, null, layers,
                shortcut);
    }

    public LayerSpec named(String layerName) {
        return new LayerSpec(type, layerName, out, kernel, stride, padding, groups, bias, rate, slope, layers,
                shortcut);
    }
}
