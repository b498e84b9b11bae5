package dev.kiln.vision.samples;

import java.util.Optional;

/**
 * One image of a sampled training batch, as PNG files.
 *
 * @param position    its place in the batch, from 0
 * @param trainIndex  its index in the data set's training images (before the validation split held some out)
 * @param label       its class name
 * @param originalPng the image as stored (at the size the run trains on)
 * @param augmentedPng the image as the network received it, when the spec augments
 */
public record SampledImage(int position, int trainIndex, String label, byte[] originalPng,
        Optional<byte[]> augmentedPng) {

    public static SampledImage original(int position, int trainIndex, String label, byte[] originalPng) {
        return new SampledImage(position, trainIndex, label, originalPng, Optional.empty());
    }

    public SampledImage withAugmented(byte[] png) {
        return new SampledImage(position, trainIndex, label, originalPng, Optional.of(png));
    }
}
