package dev.kiln.infra.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class NeighbourRatiosTest {

    @Test
    void eachRateIsSetAgainstTheReferencesBesideIt() {
        // The reference drifts from 16,000 down to 12,000; the rate follows it at 60%.
        NeighbourRatios rounds = new NeighbourRatios(List.of(16_000.0, 14_000.0, 12_000.0),
                List.of(9_000.0, 7_800.0));

        assertEquals(List.of(0.6, 0.6), rounds.ratios());
        assertEquals(0.6, rounds.median(), 1e-12);
        // Against the mean of the first and last references alone, the first round would read 64%, the second 56%.
        assertEquals(14_000.0, rounds.referenceMean(), 1e-9);
    }

    @Test
    void theMedianIgnoresOneDriftingRoundAndTheRangeShowsIt() {
        NeighbourRatios rounds = new NeighbourRatios(List.of(10_000.0, 10_000.0, 10_000.0, 10_000.0),
                List.of(5_800.0, 3_000.0, 6_100.0));

        assertEquals(0.58, rounds.median(), 1e-12);
        assertEquals(0.30, rounds.min(), 1e-12);
        assertEquals(0.61, rounds.max(), 1e-12);
    }

    @Test
    void anEvenCountTakesTheMiddleTwo() {
        NeighbourRatios rounds = new NeighbourRatios(List.of(10.0, 10.0, 10.0), List.of(5.0, 6.0));

        assertEquals(0.55, rounds.median(), 1e-12);
    }

    @Test
    void everyRateNeedsAReferenceOnBothSides() {
        assertThrows(IllegalArgumentException.class,
                () -> new NeighbourRatios(List.of(10.0, 10.0), List.of(5.0, 6.0)));
        assertThrows(IllegalArgumentException.class, () -> new NeighbourRatios(List.of(10.0), List.of()));
    }
}
