package dev.kiln.vision.samples;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import dev.kiln.vision.datasets.ImageSet;
import dev.kiln.vision.pipeline.ImageBatches;
import dev.kiln.vision.pipeline.Normalization;
import dev.kiln.vision.serving.PngImages;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Takes the {@link BatchSample} of one batch, once: the training loop hands it the first batch of a fresh run and
 * then forgets it, so later batches cost nothing. The originals are the training images the batch was made from;
 * the augmented images are the batch's tensor itself, de-normalised to 0-255 pixels and clamped.
 */
public final class FirstBatchSampler {

    private final ImageSet source;
    private final int[] trainIndices;
    private final Normalization normalization;
    private final Consumer<BatchSample> taken;

    /**
     * @param source        the images the batches are made from (the training images the validation split kept)
     * @param trainIndices  for each image of {@code source}, its index in the data set's training images
     * @param normalization the batches' normalisation, undone for the augmented images
     * @param taken         receives the sample as soon as it is taken
     */
    public FirstBatchSampler(ImageSet source, int[] trainIndices, Normalization normalization,
            Consumer<BatchSample> taken) {
        if (trainIndices.length != source.size()) {
            throw new IllegalArgumentException(trainIndices.length + " training indices for " + source.size()
                    + " images");
        }
        this.source = source;
        this.trainIndices = trainIndices;
        this.normalization = normalization;
        this.taken = taken;
    }

    /**
     * Samples a batch and hands the sample on.
     *
     * @param batch     a training batch, before the optimizer step
     * @param augmented whether the batch's images were augmented (when not, only originals are kept)
     */
    public void take(ImageBatches.Batch batch, boolean augmented) {
        int count = Math.min(BatchSample.IMAGES, batch.size());
        ImageSet originals = source.subset(sourceIndices(batch, count));
        List<SampledImage> images = new ArrayList<>(count);
        for (int position = 0; position < count; position++) {
            int sourceIndex = batch.sourceIndex(position);
            images.add(SampledImage.original(position, trainIndices[sourceIndex],
                    source.classes().get(source.labels()[sourceIndex]), PngImages.encode(originals, position)));
        }
        if (augmented) {
            ImageSet seen = new ImageSet(originals.classes(), originals.channels(), originals.height(),
                    originals.width(), pixels(batch.images().get(new NDIndex("0:" + count))), originals.labels());
            images.replaceAll(image -> image.withAugmented(PngImages.encode(seen, image.position())));
        }
        taken.accept(new BatchSample(augmented, images));
    }

    private static int[] sourceIndices(ImageBatches.Batch batch, int count) {
        int[] indices = new int[count];
        for (int position = 0; position < count; position++) {
            indices[position] = batch.sourceIndex(position);
        }
        return indices;
    }

    /** Normalised N x C x H x W floats back to bytes: x * std + mean, scaled to 0-255, clamped and rounded. */
    private byte[] pixels(NDArray normalised) {
        int c = normalization.channels();
        // Created in the batch's manager: freed when the batch closes.
        NDArray std = normalised.getManager().create(normalization.std()).reshape(1, c, 1, 1);
        NDArray mean = normalised.getManager().create(normalization.mean()).reshape(1, c, 1, 1);
        return normalised.mul(std).add(mean).mul(255f).clip(0f, 255f).round().toType(DataType.UINT8, false)
                .toByteArray();
    }
}
