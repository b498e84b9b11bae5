package dev.kiln.vision.models;

import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import dev.kiln.contracts.architectures.LayerSpec;
import dev.kiln.contracts.architectures.LayerType;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which of a block's parameters belong to which layer, by the names the model's summary shows ({@code 0},
 * {@code 5.layers.3}): what freezing and the head's learning rate act on. DJL lists a block's parameters depth
 * first in layer order, as the layout lists its layers, so the two are walked side by side; every registry
 * architecture keeps that order, whatever blocks it nests its layers in.
 */
public final class LayerParameters {

    private LayerParameters() {
    }

    /**
     * @param layout the architecture's resolved layout (every layer named, residual projections explicit)
     * @param block  the model built from it, initialised
     * @return each layer with parameters, in order, mapped to them (BatchNorm's running statistics included)
     */
    public static Map<String, List<Parameter>> of(List<LayerSpec> layout, Block block) {
        Map<String, List<Parameter>> byLayer = new LinkedHashMap<>();
        Iterator<Pair<String, Parameter>> parameters = block.getParameters().iterator();
        assign(layout, parameters, byLayer);
        if (parameters.hasNext()) {
            throw new IllegalStateException("the block has more parameters than its layout names, from "
                    + parameters.next().getKey());
        }
        return byLayer;
    }

    private static void assign(List<LayerSpec> layers, Iterator<Pair<String, Parameter>> parameters,
            Map<String, List<Parameter>> byLayer) {
        for (LayerSpec layer : layers) {
            LayerType type = LayerType.of(layer.type()).orElseThrow();
            if (type == LayerType.RESIDUAL) {
                assign(layer.layers(), parameters, byLayer);
                if (layer.shortcut() != null) {
                    assign(layer.shortcut(), parameters, byLayer);
                }
                continue;
            }
            int count = switch (type) {
                case CONV2D, LINEAR -> Boolean.FALSE.equals(layer.bias()) ? 1 : 2;
                // gamma, beta and the running mean and variance
                case BATCHNORM -> 4;
                default -> 0;
            };
            List<Parameter> own = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                if (!parameters.hasNext()) {
                    throw new IllegalStateException("the block has fewer parameters than its layout: none left for "
                            + "layer " + layer.name());
                }
                own.add(parameters.next().getValue());
            }
            if (!own.isEmpty()) {
                byLayer.put(layer.name(), own);
            }
        }
    }
}
