package dev.kiln.vision.training;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.Trainer;
import dev.kiln.vision.engine.DjlRuntime;
import dev.kiln.vision.models.MemoryFormat;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * How many cores one training's PyTorch operations split over on a CPU. A small network's operations take
 * microseconds; OpenMP's workers sleep between operations ({@code OMP_WAIT_POLICY=PASSIVE}, so that idle services
 * do not spin), and waking them for each can cost more than sharing the work saves. Where that line falls depends
 * on the machine, and on how fast it runs at the time: on the same 2-core VM mnist-cnn trained 40% faster on both
 * cores one day and 30% faster on one the next (BENCHMARKS.md, training throughput). So a network small enough for
 * it to matter is measured: the first training of its shape in the process times training steps of a throwaway
 * copy at one thread and at all, alternately, and it and every later training of that shape in the process take the
 * faster. The copy is built before the training seeds its generators, so the training's numbers do not depend on
 * it, and trainings of one shape in one process run at the same count (a resumed run's losses match an
 * uninterrupted one's). PyTorch keeps the count per thread, so trainings running side by side each keep their own.
 */
final class IntraOpThreads {

    /**
     * A batch's forward multiply-adds above which every core pays without a doubt (cifar-cnn at batch 64 has 128 M;
     * VGG and ResNet thousands): such a network trains on all of them without a measurement.
     */
    static final long LARGE_BATCH_MULTIPLY_ADDS = 100_000_000L;

    /** Untimed steps at each count first (allocator, oneDNN's kernels), then timed ones, alternating counts. */
    private static final int WARM_STEPS = 2;
    private static final int TIMED_STEPS = 7;

    /** The measured choice per network shape, for this process. */
    private static final Map<String, Integer> CHOSEN = new ConcurrentHashMap<>();

    private IntraOpThreads() {
    }

    /**
     * The calling thread's count for this network, measured once per shape in this process where it is small enough
     * to matter, then set on the calling thread, which then trains on it.
     *
     * @param shape               what identifies the network and its batches (architecture, arguments, batch shape)
     * @param batchMultiplyAdds   a batch's forward multiply-adds
     * @param batch               the input batch's shape (batch size, channels, height, width)
     * @param classes             the network's outputs
     * @param format              the order in memory the training hands batches in
     * @param network             a fresh, initialised copy of the network, for the measurement
     * @return the count now set
     */
    static int apply(String shape, long batchMultiplyAdds, Shape batch, int classes, MemoryFormat format,
            Supplier<Block> network) {
        int available = DjlRuntime.startingIntraOpThreads();
        int threads = available == 1 || batchMultiplyAdds > LARGE_BATCH_MULTIPLY_ADDS ? available
                : CHOSEN.computeIfAbsent(shape, s -> measure(network, batch, classes, format, available));
        DjlRuntime.intraOpThreads(threads);
        return threads;
    }

    /** All cores for a network too large to measure, or one whose copy cannot be built (an imported module). */
    static int applyAll() {
        int available = DjlRuntime.startingIntraOpThreads();
        DjlRuntime.intraOpThreads(available);
        return available;
    }

    /** The faster count by the median step of each: all cores only where they are faster. */
    static int faster(long[] oneThreadNanos, long[] allThreadsNanos, int available) {
        return median(allThreadsNanos) < median(oneThreadNanos) ? available : 1;
    }

    private static int measure(Supplier<Block> network, Shape batch, int classes, MemoryFormat format,
            int available) {
        long[] one = new long[TIMED_STEPS];
        long[] all = new long[TIMED_STEPS];
        try (Model copy = Model.newInstance("intra-op-threads", Device.cpu(), DjlRuntime.ENGINE)) {
            copy.setBlock(network.get());
            try (Trainer trainer = copy.newTrainer(new DefaultTrainingConfig(new SoftTargetLoss())
                    .optDevices(new Device[] {Device.cpu()}))) {
                trainer.initialize(new Shape(1).addAll(batch.slice(1)));
                for (int step = -WARM_STEPS; step < TIMED_STEPS; step++) {
                    for (int threads : new int[] {1, available}) {
                        DjlRuntime.intraOpThreads(threads);
                        long nanos = timedStep(trainer, batch, classes, format);
                        if (step >= 0) {
                            (threads == 1 ? one : all)[step] = nanos;
                        }
                    }
                }
            }
        }
        return faster(one, all, available);
    }

    /** One forward and backward pass of a random batch, timed (its gradients are the throwaway copy's). */
    private static long timedStep(Trainer trainer, Shape batch, int classes, MemoryFormat format) {
        try (NDManager step = trainer.getManager().newSubManager()) {
            NDArray images = format.arrange(step.randomNormal(batch));
            NDArray labels = step.randomInteger(0, classes, new Shape(batch.get(0)), DataType.INT64);
            long start = System.nanoTime();
            BackwardPass.of(trainer, images, logits -> SoftTargetLoss.ofLabels(logits, labels));
            return System.nanoTime() - start;
        }
    }

    private static long median(long[] values) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
