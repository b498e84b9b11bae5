package dev.kiln.inference.predictionlog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class PerSecondLimitTest {

    private static final long MS = 1_000_000L;

    /** A clock that moves only when told to, starting near the wrap of {@code nanoTime}'s long. */
    private final AtomicLong now = new AtomicLong(Long.MAX_VALUE - 500 * MS);

    private long granted(PerSecondLimit limit, int tries) {
        return IntStream.range(0, tries).filter(i -> limit.tryAcquire()).count();
    }

    @Test
    void aSecondsWorthAtOnceThenOneEachIntervalAcrossTheClocksWrap() {
        PerSecondLimit limit = PerSecondLimit.of(10, now::get);

        assertThat(granted(limit, 100)).as("a burst of 100 at once").isEqualTo(10);
        now.addAndGet(99 * MS);
        assertThat(granted(limit, 100)).as("99 ms later").isZero();
        now.addAndGet(MS);
        assertThat(granted(limit, 100)).as("one interval (100 ms) later").isEqualTo(1);
        now.addAndGet(450 * MS); // past the wrap of the long
        assertThat(granted(limit, 100)).as("450 ms later").isEqualTo(4);
    }

    @Test
    void overTimeItGrantsTheRateHoweverOftenItIsAsked() {
        PerSecondLimit limit = PerSecondLimit.of(10, now::get);
        long total = 0;
        for (int ms = 0; ms < 10_000; ms++) {
            total += granted(limit, 8); // 8,000 requests a second
            now.addAndGet(MS);
        }
        assertThat(total).as("10 s at 10 a second, plus the first second's burst").isBetween(108L, 110L);
    }

    @Test
    void idleTimeSavesAtMostASecondsWorth() {
        PerSecondLimit limit = PerSecondLimit.of(10, now::get);
        now.addAndGet(60_000 * MS);
        assertThat(granted(limit, 100)).isEqualTo(10);
    }

    @Test
    void zeroMeansNoLimitAndANegativeLimitIsRefused() {
        PerSecondLimit none = PerSecondLimit.of(0, now::get);
        assertThat(granted(none, 100_000)).isEqualTo(100_000);
        assertThatThrownBy(() -> PerSecondLimit.of(-1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("-1");
    }
}
