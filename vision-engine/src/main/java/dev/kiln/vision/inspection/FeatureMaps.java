package dev.kiln.vision.inspection;

import java.util.List;

/**
 * What every convolution of a network makes of one image, in the order the image meets them.
 *
 * @param input       the image as the network took it: channels, height, width
 * @param maxChannels at most this many channels of each layer are given (the first ones)
 * @param layers      one per convolution
 */
public record FeatureMaps(List<Integer> input, int maxChannels, List<Layer> layers) {

    /**
     * @param index    the convolution's position among the network's convolutions, from 0
     * @param name     its place in the network ({@link ConvWalk} names it)
     * @param after    the blocks the maps are the output of: {@code conv2d}, then the batch norm and activation
     *                 that follow it directly where the model is built that way ({@code ["conv2d", "relu"]})
     * @param channels the layer's output channels, all of them (the maps may hold fewer)
     * @param maps     the first {@code min(channels, maxChannels)} channels
     */
    public record Layer(int index, String name, List<String> after, int channels, int height, int width,
            List<ChannelMap> maps) {
    }

    /**
     * @param values {@code height * width} floats, row after row
     * @param min    the smallest value, to scale the map to grey levels
     * @param max    the largest
     */
    public record ChannelMap(int channel, float[] values, float min, float max) {
    }
}
