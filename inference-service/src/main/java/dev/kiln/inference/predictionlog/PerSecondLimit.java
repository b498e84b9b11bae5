package dev.kiln.inference.predictionlog;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * At most a number of permits a second, a second's worth of them at once (the generic cell rate algorithm: one
 * atomic schedule, no lock, no thread). The prediction log's ceiling: its cost per logged prediction is fixed (a
 * row, an outbox row, a Kafka record), so a share of a replica's requests alone would make that cost grow with the
 * load.
 */
final class PerSecondLimit {

    private static final long SECOND = 1_000_000_000L;

    private final LongSupplier nanoTime;
    /** Nanoseconds between two permits; 0 for no limit. */
    private final long interval;
    /** When the next permit is due if permits were taken evenly; it may run up to a second ahead of now. */
    private final AtomicLong due;

    private PerSecondLimit(long perSecond, LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
        this.interval = perSecond == 0 ? 0 : Math.max(1, SECOND / perSecond);
        this.due = new AtomicLong(nanoTime.getAsLong());
    }

    /** @param perSecond permits a second at most; 0 for no limit */
    static PerSecondLimit of(long perSecond) {
        return of(perSecond, System::nanoTime);
    }

    static PerSecondLimit of(long perSecond, LongSupplier nanoTime) {
        if (perSecond < 0) {
            throw new IllegalArgumentException("a limit a second cannot be negative: " + perSecond);
        }
        return new PerSecondLimit(perSecond, nanoTime);
    }

    /** Takes a permit if one is free now; never waits. */
    boolean tryAcquire() {
        if (interval == 0) {
            return true;
        }
        long now = nanoTime.getAsLong();
        while (true) {
            long scheduled = due.get();
            long start = scheduled - now > 0 ? scheduled : now; // nanoTime may wrap: compare differences
            if (start + interval - now > SECOND) {
                return false;
            }
            if (due.compareAndSet(scheduled, start + interval)) {
                return true;
            }
        }
    }
}
