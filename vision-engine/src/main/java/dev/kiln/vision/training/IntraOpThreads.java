package dev.kiln.vision.training;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import dev.kiln.vision.engine.DjlRuntime;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * How many cores one training's PyTorch operations split over on a CPU. Sharing an operation pays only where the
 * work outweighs waking and joining the other cores' threads (OpenMP's workers sleep between operations,
 * {@code OMP_WAIT_POLICY=PASSIVE}, so that idle services do not spin), and where that line falls depends on the
 * machine and on how fast it runs at the time: on the same 2-core VM mnist-cnn trained 40% faster on both cores one
 * day and 30% faster on one the next, and cifar-cnn, 128 M multiply-adds a batch, trained faster on one core than
 * on two in the slow hour of a night (BENCHMARKS.md, training throughput). So every network is measured: the first
 * training of its shape in the process times training steps of a throwaway copy at one thread and at all,
 * alternately, and it and every later training of that shape in the process take the faster. A large network's
 * steps take a second, so its measurement stops after {@link #MIN_TIMED_ROUNDS} rounds once it has spent
 * {@link #TIMED_BUDGET_NANOS}. The copy is built before the training seeds its generators, so the training's numbers
 * do not depend on it, and trainings of one shape in one process run at the same count (a resumed run's losses
 * match an uninterrupted one's). PyTorch keeps the count per thread, so trainings running side by side each keep
 * their own.
 */
final class IntraOpThreads {

    /** Untimed rounds first (allocator, oneDNN's kernels), each a step at one thread and a step at all. */
    private static final int WARM_ROUNDS = 2;

    /** Timed rounds: a small network's run all of these, a large network's stop at the budget. */
    static final int MAX_TIMED_ROUNDS = 7;
    static final int MIN_TIMED_ROUNDS = 3;
    static final long TIMED_BUDGET_NANOS = 3_000_000_000L;

    /** The measured choice per network shape, for this process. */
    private static final Map<String, Integer> CHOSEN = new ConcurrentHashMap<>();

    private IntraOpThreads() {
    }

    /**
     * The calling thread's count for this network, measured once per shape in this process, then set on the calling
     * thread, which then trains on it.
     *
     * @param shape   what identifies the network and its batches (architecture, arguments, batch shape)
     * @param batch   the input batch's shape (batch size, channels, height, width)
     * @param classes the network's outputs
     * @param network a fresh, initialised copy of the network, for the measurement
     * @return the count now set
     */
    static int apply(String shape, Shape batch, int classes, Supplier<Block> network) {
        int available = DjlRuntime.startingIntraOpThreads();
        int threads = available == 1 ? available
                : CHOSEN.computeIfAbsent(shape, s -> measure(network, batch, classes, available));
        DjlRuntime.intraOpThreads(threads);
        return threads;
    }

    /** All cores for a network whose copy cannot be built (an imported module). */
    static int applyAll() {
        int available = DjlRuntime.startingIntraOpThreads();
        DjlRuntime.intraOpThreads(available);
        return available;
    }

    /** The faster count by the median step of each: all cores only where they are faster. */
    static int faster(long[] oneThreadNanos, long[] allThreadsNanos, int available) {
        return median(allThreadsNanos) < median(oneThreadNanos) ? available : 1;
    }

    /** Whether the timed rounds so far decide: all of them, or the fewest once the budget is spent. */
    static boolean enough(int timedRounds, long timedNanos) {
        return timedRounds >= MAX_TIMED_ROUNDS || timedRounds >= MIN_TIMED_ROUNDS && timedNanos >= TIMED_BUDGET_NANOS;
    }

    private static int measure(Supplier<Block> network, Shape batch, int classes, int available) {
        long[] one = new long[MAX_TIMED_ROUNDS];
        long[] all = new long[MAX_TIMED_ROUNDS];
        int timed = 0;
        try (Model copy = Model.newInstance("intra-op-threads", Device.cpu(), DjlRuntime.ENGINE)) {
            copy.setBlock(network.get());
            try (Trainer trainer = copy.newTrainer(new DefaultTrainingConfig(new SoftTargetLoss())
                    .optDevices(new Device[] {Device.cpu()}))) {
                trainer.initialize(new Shape(1).addAll(batch.slice(1)));
                long timedNanos = 0;
                for (int round = -WARM_ROUNDS; !enough(timed, timedNanos); round++) {
                    long oneNanos = timedStep(trainer, batch, classes, 1);
                    long allNanos = timedStep(trainer, batch, classes, available);
                    if (round >= 0) {
                        one[timed] = oneNanos;
                        all[timed] = allNanos;
                        timed++;
                        timedNanos += oneNanos + allNanos;
                    }
                }
            }
        }
        return faster(Arrays.copyOf(one, timed), Arrays.copyOf(all, timed), available);
    }

    /** One forward and backward pass of a random batch on this many threads, timed (the gradients are the copy's). */
    private static long timedStep(Trainer trainer, Shape batch, int classes, int threads) {
        DjlRuntime.intraOpThreads(threads);
        try (NDManager step = trainer.getManager().newSubManager()) {
            NDArray images = step.randomNormal(batch);
            NDArray labels = step.randomInteger(0, classes, new Shape(batch.get(0)), DataType.INT64);
            long start = System.nanoTime();
            DjlRuntime.GRADIENTS.lock();
            try (GradientCollector collector = trainer.newGradientCollector()) {
                NDArray logits = trainer.forward(new NDList(images)).singletonOrThrow();
                collector.backward(SoftTargetLoss.ofLabels(logits, labels));
            } finally {
                DjlRuntime.GRADIENTS.unlock();
            }
            return System.nanoTime() - start;
        }
    }

    private static long median(long[] values) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
