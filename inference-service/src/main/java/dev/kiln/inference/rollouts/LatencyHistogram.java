package dev.kiln.inference.rollouts;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Latencies counted in buckets 10% apart from 10 µs to about 30 minutes, so a percentile costs no sorting and
 * recording takes no lock; a percentile is its bucket's upper bound (at most 10% high).
 */
final class LatencyHistogram {

    private static final double SMALLEST_MS = 0.01;
    private static final double GROWTH = 1.1;
    private static final int BUCKETS = 200;

    private final AtomicLongArray counts = new AtomicLongArray(BUCKETS);

    void record(double millis) {
        int bucket = millis <= SMALLEST_MS ? 0
                : (int) Math.min(BUCKETS - 1, Math.ceil(Math.log(millis / SMALLEST_MS) / Math.log(GROWTH)));
        counts.incrementAndGet(bucket);
    }

    /** The latency {@code share} of the recorded ones do not exceed, in milliseconds; null before any. */
    Double percentile(double share) {
        long total = 0;
        long[] snapshot = new long[BUCKETS];
        for (int i = 0; i < BUCKETS; i++) {
            snapshot[i] = counts.get(i);
            total += snapshot[i];
        }
        if (total == 0) {
            return null;
        }
        long rank = (long) Math.ceil(share * total);
        long seen = 0;
        for (int i = 0; i < BUCKETS; i++) {
            seen += snapshot[i];
            if (seen >= rank) {
                return SMALLEST_MS * Math.pow(GROWTH, i);
            }
        }
        return SMALLEST_MS * Math.pow(GROWTH, BUCKETS - 1);
    }
}
