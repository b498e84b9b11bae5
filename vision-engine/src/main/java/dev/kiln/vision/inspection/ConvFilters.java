package dev.kiln.vision.inspection;

import java.util.List;

/**
 * The first convolution's filters, as the tutorials draw them: one small image per output channel.
 *
 * @param layer       the convolution's place in the network ({@link ConvWalk} names it)
 * @param outChannels filters in the layer
 * @param inChannels  input channels each filter sees (the image's channels for the first layer)
 * @param kernel      height, width
 * @param filters     one per output channel, in order
 */
public record ConvFilters(String layer, int outChannels, int inChannels, List<Integer> kernel, List<Filter> filters) {

    /**
     * @param weights {@code inChannels * kernel[0] * kernel[1]} floats: input channel after input channel, each
     *                row after row (PyTorch's and DJL's own order), so an RGB filter keeps its three planes
     * @param min     the smallest of the weights, to scale them to grey levels
     * @param max     the largest
     * @param bias    null when the layer has no bias
     */
    public record Filter(int index, float[] weights, float min, float max, Float bias) {
    }
}
