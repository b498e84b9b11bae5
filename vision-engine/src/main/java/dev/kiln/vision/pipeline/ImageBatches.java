package dev.kiln.vision.pipeline;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.kiln.vision.datasets.ImageSet;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Random;
import java.util.Queue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntUnaryOperator;

/**
 * An {@link ImageSet} served as normalised float batches. Each batch's images are copied on the host, row by row
 * in the epoch's shuffled order, and go to the device in one piece: normalised there already, or, for augmented
 * training batches, as bytes that are scaled, augmented and normalised with whole-batch NDArray operations.
 * Shuffling on the device cost more than the training step of a small network: PyTorch's advanced indexing copies
 * a uint8 gather element by element (70 ms for 20,000 28x28 images on this project's 2-core machine, about 220 us
 * a batch of 64). Batches without augmentation are made ahead on a thread of their own, while the caller trains on
 * the last ({@link Epoch}).
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

    /** The float 2^23, and its bits: 2^23 + b for a byte b has the bits {@code TWO_TO_23_BITS | b}. */
    private static final float TWO_TO_23 = 8388608f;
    private static final int TWO_TO_23_BITS = Float.floatToRawIntBits(TWO_TO_23);
    /** How much of an epoch's batches may be made ahead of the caller. */
    private static final long AHEAD_BYTES = 16L << 20;

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
    private final AtomicLong pipelineNanos = new AtomicLong();
    private ExecutorService pipelineThreads;
    private final List<Staging> stagings = new ArrayList<>();

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
        return pipelineNanos.get();
    }

    /**
     * One pass over the data.
     *
     * @param shuffle   null keeps the stored order (evaluation)
     * @param augmenter null for none (always null for evaluation data)
     */
    public Iterable<Batch> epoch(int batchSize, Random shuffle, BatchAugmenter augmenter) {
        return () -> new Epoch(batchSize, shuffle == null ? null : Permutation.of(shuffle, size), augmenter);
    }

    /**
     * A cleared staging buffer of {@code bytes} that no open batch holds, now held by {@code batch}. DJL makes a
     * tensor of a direct buffer without copying it (a heap buffer costs a fresh direct one each time, 50-130 us for a
     * batch of 64 28x28 images). Without augmentation a batch's tensor is its buffer of normalised floats, so a
     * buffer is reused only once the batch it backed is closed; with augmentation it holds the batch's bytes until
     * their float copy is made. Kept across epochs (an epoch holds up to 10 at once).
     */
    private synchronized ByteBuffer staging(NDManager batch, int bytes) {
        Staging free = stagings.stream().filter(staging -> staging.buffer.capacity() == bytes
                && !staging.batch.isOpen()).findFirst().orElseGet(() -> {
                    Staging fresh = new Staging(ByteBuffer.allocateDirect(bytes).order(ByteOrder.nativeOrder()));
                    stagings.add(fresh);
                    return fresh;
                });
        free.batch = batch;
        return free.buffer.clear();
    }

    /**
     * The threads that make batches ahead, one an epoch being served (started with it, ended with it): an epoch left
     * unfinished keeps its thread until {@link #close()}.
     */
    private synchronized ExecutorService pipelineThreads() {
        if (pipelineThreads == null) {
            pipelineThreads = Executors.newCachedThreadPool(task -> {
                Thread thread = new Thread(task, "kiln-batches");
                thread.setDaemon(true);
                return thread;
            });
        }
        return pipelineThreads;
    }

    /**
     * One pass's batches. Without augmentation they are made ahead on a pipeline thread while the caller trains (as
     * a PyTorch DataLoader's worker does): for a small network making a batch took a fifth of its step, and the
     * second core had nothing to do. With augmentation batches are made when asked for, on the caller's thread:
     * the augmenter draws from the training's random numbers, and runs on the device.
     *
     * <p>The two threads meet through a queue, and wake each other only when they must: waking a parked thread
     * cost 40 us on this project's 2-core VM, as much as making the batch. The pipeline thread fills the queue,
     * then sleeps until the caller has taken half of it.
     */
    private final class Epoch implements Iterator<Batch> {
        private final int batchSize;
        /** The images' indices in the set, in this epoch's order; null keeps the stored order. */
        private final long[] order;
        private final BatchAugmenter augmenter;
        private final int capacity;
        /** Scratch arrays; only the thread making batches touches them. */
        private final float[] values;
        private final byte[] batchBytes;
        private final int[] floatBits;
        /** Batches made ahead, in order, or the failure that ended their making; bounded by {@link #depth}. */
        private final Queue<Object> ready = new ConcurrentLinkedQueue<>();
        private final AtomicInteger queued = new AtomicInteger();
        private final int depth;
        private volatile Thread waitingCaller;
        private volatile Thread sleepingMaker;
        /** What ended the making of this epoch's batches early, once the caller has met it. */
        private RuntimeException failure;
        private int next;
        private boolean started;

        Epoch(int batchSize, long[] order, BatchAugmenter augmenter) {
            this.batchSize = batchSize;
            this.order = order;
            this.augmenter = augmenter;
            this.capacity = Math.min(batchSize, size) * imageBytes;
            this.values = augmenter == null ? new float[capacity] : null;
            this.batchBytes = augmenter == null ? new byte[capacity] : null;
            this.floatBits = augmenter == null ? new int[capacity] : null;
            // Up to 8 batches, and 16 MB of them, ahead; at least 2.
            this.depth = Math.max(2, Math.min(8, (int) (AHEAD_BYTES / Math.max(1L, (long) capacity * Float.BYTES))));
        }

        @Override
        public boolean hasNext() {
            return next < size;
        }

        @Override
        public Batch next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            if (augmenter != null) {
                Batch batch = make(next);
                next += batch.size();
                return batch;
            }
            if (!started) {
                pipelineThreads().execute(this::makeAll);
                started = true;
            }
            Batch batch = take();
            next += batch.size();
            return batch;
        }

        /**
         * The next batch made ahead, waiting for it if needed; wakes the pipeline thread once half the queue is taken.
         * A failure ends the epoch: it is thrown again on every later call.
         */
        private Batch take() {
            if (failure != null) {
                throw failure;
            }
            Object item;
            while ((item = ready.poll()) == null) {
                waitingCaller = Thread.currentThread();
                if (ready.isEmpty()) {
                    LockSupport.park(this);
                }
                waitingCaller = null;
                if (Thread.interrupted()) {
                    Thread.currentThread().interrupt();
                    throw new CancellationException("interrupted while the next batch was made");
                }
            }
            // The count first: a maker that goes to sleep after this read sees the new count and stays awake.
            int left = queued.decrementAndGet();
            Thread maker = sleepingMaker;
            if (left <= depth / 2 && maker != null) {
                LockSupport.unpark(maker);
            }
            if (item instanceof Batch batch) {
                return batch;
            }
            // The pipeline thread offers a RuntimeException or an Error it caught, or a CancellationException when
            // closed. An Error is thrown as itself once, and wrapped on later calls.
            Throwable thrown = (Throwable) item;
            failure = thrown instanceof RuntimeException runtime ? runtime
                    : new IllegalStateException("making a batch failed", thrown);
            if (thrown instanceof Error error) {
                throw error;
            }
            throw failure;
        }

        /**
         * The pipeline thread's work: every batch of the epoch in order, sleeping while the queue is full. It ends
         * with the last batch, or with what stopped it: a failure, or {@link #close()}.
         */
        private void makeAll() {
            try {
                for (int first = 0; first < size; first += batchSize) {
                    if (queued.get() >= depth) {
                        while (queued.get() > depth / 2 && !Thread.currentThread().isInterrupted()) {
                            sleepingMaker = Thread.currentThread();
                            if (queued.get() > depth / 2) {
                                LockSupport.park(this);
                            }
                            sleepingMaker = null;
                        }
                    }
                    if (Thread.currentThread().isInterrupted()) {
                        offer(new CancellationException("the batches were closed"));
                        return;
                    }
                    offer(make(first));
                }
            } catch (RuntimeException | Error e) {
                offer(e);
            }
        }

        private void offer(Object item) {
            queued.incrementAndGet();
            ready.add(item);
            Thread caller = waitingCaller;
            if (caller != null) {
                LockSupport.unpark(caller);
            }
        }

        /** The batch of the images from position {@code first} of this epoch's order. */
        private Batch make(int first) {
            long start = System.nanoTime();
            int count = Math.min(batchSize, size - first);
            IntUnaryOperator sources = order == null ? position -> first + position
                    : position -> (int) order[first + position];
            long[] labels = new long[count];
            for (int position = 0; position < count; position++) {
                labels[position] = set.labels()[sources.applyAsInt(position)];
            }
            NDManager batchScope = manager.newSubManager();
            ByteBuffer staging = staging(batchScope, augmenter == null ? capacity * Float.BYTES : capacity);
            Shape shape = new Shape(count).addAll(imageShape);
            NDArray x = augmenter == null ? normalised(staging, batchScope, shape, sources)
                    : augmented(staging, batchScope, shape, sources);
            Batch batch = new Batch(x, batchScope.create(labels), count, batchScope, sources, set.labels());
            pipelineNanos.addAndGet(System.nanoTime() - start);
            return batch;
        }

        /**
         * The batch normalised on the host and made a tensor in one piece: four operations on the device (a uint8
         * tensor, its float copy, a product, a difference) had cost a small network's step more than this. Bit
         * for bit the device's values: the same float product then difference, each rounded (Java never fuses
         * them).
         *
         * <p>Three steps, each about twice as fast as converting image by image (50 us for a batch of 64 28x28
         * images, a sixth of fc2layer's step, down to 28 us):
         * <ol>
         * <li>The images' bytes are copied together first. Copies of scattered images wait for memory at once;
         * a conversion image by image waits for each image's cache misses in turn.</li>
         * <li>Java 17's JIT does not vectorise a conversion from bytes to floats. So a byte b becomes the bits
         * of the float 2^23 + b (an integer OR), and the staging buffer reinterprets those bits as floats (two
         * bulk copies).</li>
         * <li>Subtracting 2^23 gives b exactly, then the product and difference, in a float loop the JIT does
         * vectorise.</li>
         * </ol>
         */
        private NDArray normalised(ByteBuffer staging, NDManager scope, Shape shape, IntUnaryOperator sources) {
            // Locals, so that the JIT keeps them in registers (it does not trust final fields).
            int count = Math.toIntExact(shape.get(0));
            int imageSize = imageBytes;
            byte[] pixels = set.pixels();
            byte[] bytes = batchBytes;
            int[] bits = floatBits;
            float[] floats = values;
            for (int position = 0; position < count; position++) {
                System.arraycopy(pixels, sources.applyAsInt(position) * imageSize, bytes, position * imageSize, imageSize);
            }
            int length = count * imageSize;
            for (int i = 0; i < length; i++) {
                bits[i] = TWO_TO_23_BITS | (bytes[i] & 0xff);
            }
            staging.asIntBuffer().put(bits, 0, length);
            staging.asFloatBuffer().get(floats, 0, length);
            int channels = scales.length;
            int plane = imageSize / channels;
            for (int start = 0, c = 0; start < length; start += plane, c = (c + 1) % channels) {
                float channelScale = scales[c];
                float channelShift = shifts[c];
                for (int i = start; i < start + plane; i++) {
                    floats[i] = (floats[i] - TWO_TO_23) * channelScale - channelShift;
                }
            }
            staging.asFloatBuffer().put(floats, 0, length);
            staging.limit(length * Float.BYTES);
            return scope.create(staging, shape, DataType.FLOAT32);
        }

        /** The batch's bytes sent to the device, augmented there on [0, 1] values, then normalised. */
        private NDArray augmented(ByteBuffer staging, NDManager scope, Shape shape, IntUnaryOperator sources) {
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
    }

    /** A staging buffer and the batch (its manager) whose images it holds or last held. */
    private static final class Staging {
        private final ByteBuffer buffer;
        private NDManager batch;

        Staging(ByteBuffer buffer) {
            this.buffer = buffer;
        }
    }

    /**
     * Stops the threads making batches ahead and waits for a batch being made (up to a minute, even when this thread
     * is interrupted: the batch's memory belongs to the manager closed next), then frees the batches' memory.
     */
    @Override
    public void close() {
        ExecutorService threads;
        synchronized (this) {
            threads = pipelineThreads;
        }
        if (threads != null) {
            threads.shutdownNow();
            boolean interrupted = false;
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
            while (!threads.isTerminated() && System.nanoTime() < deadline) {
                try {
                    threads.awaitTermination(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        manager.close();
    }
}
