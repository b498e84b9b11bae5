package dev.kiln.infra.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class WrkTest {

    @Test
    void aPacedRunReportsPercentilesOfItsAnswersAndCountsUnansweredSlotsAsFailed() {
        String output = """
                Running 37s test @ http://localhost:8082/api/v1/models/bench-digits/predict
                  4 threads and 4 connections
                kiln-paced answered 10 failed 1 late 2 socket-errors 1
                kiln-paced-latencies-ms 5.000 1.000 9.000 2.000 8.000 3.000 7.000 4.000 6.000
                """;

        Wrk.Paced paced = Wrk.parsePaced(output, 12);

        assertThat(paced.answered()).isEqualTo(10);
        assertThat(paced.p50Millis()).isEqualTo(5.0);
        assertThat(paced.p99Millis()).isEqualTo(9.0);
        assertThat(paced.maxMillis()).isEqualTo(9.0);
        assertThat(paced.late()).isEqualTo(2);
        // One non-2xx answer, one socket error, two slots never answered.
        assertThat(paced.failed()).isEqualTo(4);
    }

    @Test
    void aPacedRunWithoutAnswersHasNoLatencies() {
        Wrk.Paced paced = Wrk.parsePaced("kiln-paced answered 0 failed 0 late 0 socket-errors 4\n"
                + "kiln-paced-latencies-ms \n", 6000);

        assertThat(paced.p99Millis()).isNaN();
        assertThat(paced.failed()).isEqualTo(6004);
    }

    @Test
    void percentilesAreNearestRank() {
        double[] sorted = new double[100];
        for (int i = 0; i < sorted.length; i++) {
            sorted[i] = i + 1;
        }

        assertThat(Wrk.percentile(sorted, 0.50)).isEqualTo(50);
        assertThat(Wrk.percentile(sorted, 0.99)).isEqualTo(99);
        assertThat(Wrk.percentile(sorted, 1)).isEqualTo(100);
        assertThat(Wrk.percentile(new double[] {7}, 0.99)).isEqualTo(7);
    }

    @Test
    void outputWithoutThePacedSummaryIsRefused() {
        assertThatThrownBy(() -> Wrk.parsePaced("unable to connect to localhost:8082", 10))
                .hasMessageContaining("unexpected wrk output");
    }
}
