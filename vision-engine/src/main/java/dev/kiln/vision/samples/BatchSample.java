package dev.kiln.vision.samples;

import java.util.List;

/**
 * The first images of a run's first training batch, in the order the network saw them (after the epoch's
 * shuffle): what the console's "one training batch, before and after augmentation" grid shows.
 *
 * @param augmented whether the spec augments, and so whether every image has its augmented PNG
 */
public record BatchSample(boolean augmented, List<SampledImage> images) {

    /** Images kept from the batch (fewer when the batch is smaller). */
    public static final int IMAGES = 16;

    public BatchSample {
        images = List.copyOf(images);
    }
}
