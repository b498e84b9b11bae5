package dev.kiln.vision.pipeline;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.kiln.vision.datasets.ImageSet;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Random;
import java.util.function.IntUnaryOperator;

/**
 * An {@link ImageSet} moved once to the training device (as bytes) and served as normalised float batches.
 * Shuffling is one gather per epoch; each batch is then a contiguous slice, scaled, augmented (training
 * only) and normalised with whole-batch NDArray operations.
 */
public final class ImageBatches implements AutoCloseable {

    /**
     * A batch of images (N x C x H x W, normalised) and their labels (int64); closing frees both.
     *
     * @param sources each image's index in the {@link ImageSet} the batches were made from, by position in the batch
     * @param setLabels that set's labels, by index, on the host
     */
    public record Batch(NDArray images, NDArray labels, int size, NDManager manager, IntUnaryOperator sources,
            int[] setLabels) implements AutoCloseable {

        /** The index in the {@link ImageSet} of the image at {@code position} in this batch (after the shuffle). */
        public int sourceIndex(int position) {
            if (position < 0 || position >= size) {
                throw new IndexOutOfBoundsException("position " + position + " of a batch of " + size);
            }
            return sources.applyAsInt(position);
        }

        /** The label of the image at {@code position}, read on the host (no copy from the device). */
        public int label(int position) {
            return setLabels[sourceIndex(position)];
        }

        @Override
        public void close() {
            manager.close();
        }
    }

    private final NDManager manager;
    private final NDArray images;
    private final NDArray labels;
    private final int[] hostLabels;
    /** (byte / 255 - mean) / std, folded into byte * scale - shift: two operations per batch, not three. */
    private final NDArray scale;
    private final NDArray shift;
    private final int size;
    private long pipelineNanos;

    public ImageBatches(ImageSet set, Normalization normalization, NDManager parent, Device device) {
        if (normalization.channels() != set.channels()) {
            throw new IllegalArgumentException(normalization.channels() + "-channel normalisation for "
                    + set.channels() + "-channel images");
        }
        this.manager = parent.newSubManager(device);
        this.size = set.size();
        this.images = manager.create(set.pixels(), new Shape(size, set.channels(), set.height(), set.width()))
                .toType(DataType.UINT8, false);
        long[] longLabels = new long[size];
        for (int i = 0; i < size; i++) {
            longLabels[i] = set.labels()[i];
        }
        this.labels = manager.create(longLabels);
        this.hostLabels = set.labels();
        float[] scales = new float[set.channels()];
        float[] shifts = new float[set.channels()];
        for (int c = 0; c < scales.length; c++) {
            scales[c] = 1f / (255f * normalization.std()[c]);
            shifts[c] = normalization.mean()[c] / normalization.std()[c];
        }
        this.scale = manager.create(scales).reshape(1, set.channels(), 1, 1);
        this.shift = manager.create(shifts).reshape(1, set.channels(), 1, 1);
    }

    public int size() {
        return size;
    }

    /** Time spent preparing batches so far, to report the pipeline's own throughput. */
    public long pipelineNanos() {
        return pipelineNanos;
    }

    /**
     * One pass over the data.
     *
     * @param shuffle   null keeps the stored order (evaluation)
     * @param augmenter null for none (always null for evaluation data)
     */
    public Iterable<Batch> epoch(int batchSize, Random shuffle, BatchAugmenter augmenter) {
        return () -> new Iterator<>() {
            private final NDManager epochScope = manager.newSubManager();
            // Kept on the host too: a batch names its images' indices without reading the device.
            private final long[] hostOrder = shuffle == null ? null : Permutation.of(shuffle, size);
            private final NDArray order = hostOrder == null ? null : epochScope.create(hostOrder);
            private final NDArray epochImages = order == null ? images : inScope(images.get(order));
            private final NDArray epochLabels = order == null ? labels : inScope(labels.get(order));
            private int next;

            @Override
            public boolean hasNext() {
                if (next >= size) {
                    epochScope.close();
                    return false;
                }
                return true;
            }

            @Override
            public Batch next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                long start = System.nanoTime();
                int end = Math.min(next + batchSize, size);
                NDManager batchScope = manager.newSubManager();
                NDIndex range = new NDIndex(next + ":" + end);
                NDArray slice = epochImages.get(range);
                NDArray y = epochLabels.get(range);
                // Attached first, so every array computed from them below lives and dies with the batch.
                slice.attach(batchScope);
                y.attach(batchScope);
                NDArray x = slice.toType(DataType.FLOAT32, false);
                if (augmenter != null) {
                    // The augmenter works on [0, 1] values (brightness, hue); normalise after it.
                    x = augmenter.apply(x.div(255f)).mul(255f);
                }
                int first = next;
                IntUnaryOperator sources = hostOrder == null ? position -> first + position
                        : position -> (int) hostOrder[first + position];
                Batch batch = new Batch(x.mul(scale).sub(shift), y, end - next, batchScope, sources, hostLabels);
                next = end;
                pipelineNanos += System.nanoTime() - start;
                return batch;
            }

            private NDArray inScope(NDArray array) {
                array.attach(epochScope);
                return array;
            }
        };
    }

    @Override
    public void close() {
        manager.close();
    }
}
