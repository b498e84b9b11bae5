package dev.kiln.vision.training;

import dev.kiln.vision.engine.DjlRuntime;

/**
 * How many cores one training's PyTorch operations split over, from the size of its network. A small network's
 * operations take microseconds; OpenMP's workers sleep between operations ({@code OMP_WAIT_POLICY=PASSIVE}, so that
 * idle services do not spin), and waking them for each costs more than sharing the work saves. Below
 * {@link #SMALL_NETWORK_MULTIPLY_ADDS} a training therefore runs on its own thread only (BENCHMARKS.md, training
 * throughput). PyTorch keeps the count per thread, so trainings running side by side each keep their own.
 */
final class IntraOpThreads {

    /**
     * A batch's forward multiply-adds below which one core is faster. Measured on 2 cores: fc2layer (0.4 M a batch of
     * 64) trains 15% faster on one, mnist-cnn (9.6 M) 40% slower.
     */
    static final long SMALL_NETWORK_MULTIPLY_ADDS = 2_000_000L;

    private IntraOpThreads() {
    }

    /** The thread count for a batch whose forward pass takes this many multiply-adds, on this many threads at most. */
    static int forBatch(long forwardMultiplyAdds, int available) {
        return forwardMultiplyAdds < SMALL_NETWORK_MULTIPLY_ADDS ? 1 : available;
    }

    /** Sets the calling thread's count for the batch's size; the thread then trains on it. */
    static void apply(long forwardMultiplyAdds) {
        DjlRuntime.intraOpThreads(forBatch(forwardMultiplyAdds, DjlRuntime.startingIntraOpThreads()));
    }
}
