package dev.kiln.vision.pipeline;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.kiln.vision.datasets.ImageSet;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Random;
import java.util.function.IntUnaryOperator;

/**
 * An {@link ImageSet} served as normalised float batches. Each batch's images are copied on the host, row by row
 * in the epoch's shuffled order, and go to the device in one piece: normalised there already, or, for augmented
 * training batches, as bytes that are scaled, augmented and normalised with whole-batch NDArray operations.
 * Shuffling on the device cost more than the training step of a small network: PyTorch's advanced indexing copies
 * a uint8 gather element by element (70 ms for 20,000 28x28 images on this project's 2-core machine, about 220 us
 * a batch of 64).
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
    private final ImageSet set;
    private final Shape imageShape;
    private final int imageBytes;
    /** (byte / 255 - mean) / std, folded into byte * scale - shift per channel: on the host, and on the device. */
    private final float[] scales;
    private final float[] shifts;
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
        this.set = set;
        this.size = set.size();
        this.imageShape = new Shape(set.channels(), set.height(), set.width());
        this.imageBytes = Math.toIntExact(imageShape.size());
        this.scales = new float[set.channels()];
        this.shifts = new float[set.channels()];
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
        int capacity = Math.min(batchSize, size) * imageBytes;
        return () -> new Iterator<>() {
            // The images' indices in the set, in this epoch's order; null keeps the stored order.
            private final long[] order = shuffle == null ? null : Permutation.of(shuffle, size);
            // DJL makes a tensor of a direct buffer without copying it (a heap buffer costs a fresh direct one each
            // time, 50-130 us for a batch of 64 28x28 images). Without augmentation a batch's tensor is this
            // buffer of normalised floats, so it is reused only once the batch it backed is closed; with
            // augmentation it holds the batch's bytes until their float copy is made.
            private ByteBuffer staging = ByteBuffer.allocateDirect(augmenter == null ? capacity * Float.BYTES : capacity)
                    .order(ByteOrder.nativeOrder());
            private final float[] values = augmenter == null ? new float[capacity] : null;
            private Batch previous;
            private int next;

            @Override
            public boolean hasNext() {
                return next < size;
            }

            @Override
            public Batch next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                long start = System.nanoTime();
                int first = next;
                int count = Math.min(batchSize, size - first);
                IntUnaryOperator sources = order == null ? position -> first + position
                        : position -> (int) order[first + position];
                long[] labels = new long[count];
                for (int position = 0; position < count; position++) {
                    labels[position] = set.labels()[sources.applyAsInt(position)];
                }
                if (previous != null && previous.manager().isOpen()) {
                    // The last batch is still in use (its images may be this buffer): this one gets its own.
                    staging = ByteBuffer.allocateDirect(staging.capacity()).order(ByteOrder.nativeOrder());
                }
                staging.clear();
                NDManager batchScope = manager.newSubManager();
                Shape shape = new Shape(count).addAll(imageShape);
                NDArray x = augmenter == null ? normalised(batchScope, shape, sources)
                        : augmented(batchScope, shape, sources);
                Batch batch = new Batch(x, batchScope.create(labels), count, batchScope, sources, set.labels());
                previous = batch;
                next += count;
                pipelineNanos += System.nanoTime() - start;
                return batch;
            }

            /**
             * The batch normalised on the host, image by image in the epoch's order, and made a tensor in one piece:
             * four operations on the device (a uint8 tensor, its float copy, a product, a difference) had cost a
             * small network's step more than this loop. Bit for bit the device's values: the same float product
             * then difference, each rounded (Java never fuses them).
             */
            private NDArray normalised(NDManager scope, Shape shape, IntUnaryOperator sources) {
                int count = Math.toIntExact(shape.get(0));
                int plane = imageBytes / scales.length;
                byte[] pixels = set.pixels();
                for (int position = 0; position < count; position++) {
                    int image = sources.applyAsInt(position) * imageBytes;
                    for (int c = 0; c < scales.length; c++) {
                        int from = image + c * plane;
                        int to = (position * scales.length + c) * plane;
                        float channelScale = scales[c];
                        float channelShift = shifts[c];
                        for (int i = 0; i < plane; i++) {
                            values[to + i] = (pixels[from + i] & 0xff) * channelScale - channelShift;
                        }
                    }
                }
                int length = count * imageBytes;
                staging.asFloatBuffer().put(values, 0, length);
                staging.limit(length * Float.BYTES);
                return scope.create(staging, shape, DataType.FLOAT32);
            }

            /** The batch's bytes sent to the device, augmented there on [0, 1] values, then normalised. */
            private NDArray augmented(NDManager scope, Shape shape, IntUnaryOperator sources) {
                for (int position = 0; position < shape.get(0); position++) {
                    staging.put(set.pixels(), sources.applyAsInt(position) * imageBytes, imageBytes);
                }
                staging.flip();
                try (NDArray bytes = scope.create(staging, shape, DataType.UINT8)) {
                    // The augmenter works on [0, 1] values (brightness, hue).
                    return augmenter.apply(bytes.toType(DataType.FLOAT32, false).div(255f)).mul(255f).mul(scale)
                            .sub(shift);
                }
            }
        };
    }

    @Override
    public void close() {
        manager.close();
    }
}
