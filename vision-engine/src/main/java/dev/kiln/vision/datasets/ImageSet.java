package dev.kiln.vision.datasets;

import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Labelled images held in memory as unsigned bytes, channel-first (N x C x H x W), the way every reader
 * returns them. Bytes, not floats: a quarter of the memory, converted per batch on the device.
 *
 * @param classes  class names, index = label
 * @param channels 1 (grey) or 3 (RGB)
 * @param pixels   {@code size() * channels * height * width} bytes, image after image
 * @param labels   one label per image, each in [0, classes.size())
 */
public record ImageSet(List<String> classes, int channels, int height, int width, byte[] pixels, int[] labels) {

    public ImageSet {
        classes = List.copyOf(classes);
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("images must have 1 or 3 channels, not " + channels);
        }
        if ((long) labels.length * channels * height * width != pixels.length) {
            throw new IllegalArgumentException(labels.length + " labels but " + pixels.length + " pixel bytes for "
                    + channels + "x" + height + "x" + width + " images");
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= classes.size()) {
                throw new IllegalArgumentException("image " + i + " has label " + labels[i] + ", outside 0.."
                        + (classes.size() - 1));
            }
        }
    }

    public int size() {
        return labels.length;
    }

    public int imageBytes() {
        return channels * height * width;
    }

    /**
     * The images of classes {@code first} to {@code last} (inclusive), relabelled from 0: a data set of its own,
     * as the transfer-learning benchmark splits Fashion-MNIST into classes 0-4 and 5-9.
     */
    public ImageSet classRange(int first, int last) {
        int[] kept = IntStream.range(0, size()).filter(i -> labels[i] >= first && labels[i] <= last).toArray();
        ImageSet picked = subset(kept);
        int[] relabelled = Arrays.stream(picked.labels).map(label -> label - first).toArray();
        return new ImageSet(classes.subList(first, last + 1), channels, height, width, picked.pixels, relabelled);
    }

    /** The images at the given positions, in that order. */
    public ImageSet subset(int[] indices) {
        int bytes = imageBytes();
        byte[] picked = new byte[indices.length * bytes];
        int[] pickedLabels = new int[indices.length];
        for (int i = 0; i < indices.length; i++) {
            System.arraycopy(pixels, indices[i] * bytes, picked, i * bytes, bytes);
            pickedLabels[i] = labels[indices[i]];
        }
        return new ImageSet(classes, channels, height, width, picked, pickedLabels);
    }
}
