package dev.kiln.contracts.architectures;

import java.util.List;

/**
 * What a model is, layer by layer, for one input: each layer's output shape, parameters and multiply-adds, and
 * the totals; the form {@code ./kiln summary}, the API, the run view and the checkpoint manifest show.
 *
 * @param input        the input image, channels x height x width
 * @param layers       every layer in order, a residual block's branches after the block's own row
 * @param parameters   trainable parameters, counted as PyTorch counts them (BatchNorm's running statistics are
 *                     buffers, not parameters)
 * @param multiplyAdds per image, of the convolutions and linear layers (the rest is small beside them)
 * @param layout       the same layers with every default filled in and every residual projection made explicit:
 *                     what the trainer builds
 */
public record ArchitectureSummary(List<Integer> input, List<Row> layers, long parameters, long multiplyAdds,
        List<Integer> output, List<LayerSpec> layout) {

    /** One layer: its name (position or the spec's), type, output shape and cost. */
    public record Row(String name, String type, List<Integer> output, long parameters, long multiplyAdds) {
    }

    /**
     * Bytes a training step at {@code batchSize} needs, estimated as float32: every layer's output kept for the
     * backward pass with its gradient, and the parameters with their gradients and an optimizer's two moments
     * (Adam's). Framework workspace comes on top.
     */
    public long trainingBytes(int batchSize) {
        long activations = layers.stream().mapToLong(row -> row.output().stream().mapToLong(Integer::longValue)
                .reduce(1, Math::multiplyExact)).sum();
        return 4 * (2 * activations * batchSize + 4 * parameters);
    }
}
