package dev.kiln.inference.rollouts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.kiln.contracts.models.RolloutObservation;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class RolloutTallyTest {

    @Test
    void countsRequestsFailuresAndAgreementImageByImage() {
        RolloutTally tally = new RolloutTally(UUID.randomUUID(), 0);
        tally.answered(2.0, false);
        tally.answered(3.0, true);
        // Three images of three classes: the top classes are 0/0, 2/1 and 1/1.
        tally.compared(new float[] {0.8f, 0.1f, 0.1f, 0.1f, 0.2f, 0.7f, 0.3f, 0.6f, 0.1f},
                new float[] {0.5f, 0.4f, 0.1f, 0.1f, 0.8f, 0.1f, 0.2f, 0.7f, 0.1f}, 3, 3);

        RolloutObservation totals = tally.totals();
        assertThat(totals.requests()).isEqualTo(2);
        assertThat(totals.errors()).isEqualTo(1);
        assertThat(totals.compared()).isEqualTo(3);
        assertThat(totals.agreed()).isEqualTo(2);
    }

    @Test
    void theP99IsWithinTenPercentAboveTheTrueOne() {
        LatencyHistogram latencies = new LatencyHistogram();
        assertThat(latencies.percentile(0.99)).isNull();
        for (int i = 1; i <= 1000; i++) {
            latencies.record(i / 10.0);
        }
        // The true 99th percentile of 0.1 .. 100 ms is 99 ms.
        assertThat(latencies.percentile(0.99)).isBetween(99.0, 99.0 * 1.1);
        assertThat(latencies.percentile(0.5)).isCloseTo(50.0, within(5.0));
        latencies.record(1e9);
        assertThat(latencies.percentile(1.0)).as("beyond the last bucket").isGreaterThan(1e6);
    }
}
