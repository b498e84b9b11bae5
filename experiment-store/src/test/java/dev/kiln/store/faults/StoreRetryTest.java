package dev.kiln.store.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class StoreRetryTest {

    private static final StoreRetry QUICK = new StoreRetry(Duration.ofSeconds(5), Duration.ofMillis(1),
            Duration.ofMillis(4));

    private static RuntimeException outage() {
        return new RuntimeException(new SQLException("Connection refused", "08001"));
    }

    @Test
    void anOutageIsWaitedOutAndTheCallsResultReturned() {
        AtomicInteger calls = new AtomicInteger();

        String result = QUICK.call("test", () -> {
            if (calls.incrementAndGet() < 4) {
                throw outage();
            }
            return "stored";
        });

        assertThat(result).isEqualTo("stored");
        assertThat(calls).hasValue(4);
    }

    @Test
    void anyOtherFailureIsThrownAtOnce() {
        AtomicInteger calls = new AtomicInteger();

        assertThatThrownBy(() -> QUICK.run("test", () -> {
            calls.incrementAndGet();
            throw new IllegalArgumentException("unknown run");
        })).isInstanceOf(IllegalArgumentException.class);

        assertThat(calls).hasValue(1);
    }

    @Test
    void anOutageOutlastingThePatienceThrowsTheLastFailure() {
        StoreRetry impatient = new StoreRetry(Duration.ofMillis(30), Duration.ofMillis(5), Duration.ofMillis(10));
        AtomicInteger calls = new AtomicInteger();

        assertThatThrownBy(() -> impatient.run("test", () -> {
            calls.incrementAndGet();
            throw outage();
        })).satisfies(e -> assertThat(StoreFaults.unavailable(e)).isTrue());

        assertThat(calls.get()).isBetween(2, 7);
    }
}
