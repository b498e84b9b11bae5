package dev.kiln.vision.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BenchStatisticsTest {

    @Test
    void theMedianOfAnEvenCountIsTheMeanOfTheMiddleTwo() {
        assertEquals(2.5, BenchStatistics.median(List.of(4.0, 1.0, 3.0, 2.0)));
        assertEquals(3.0, BenchStatistics.median(List.of(5.0, 1.0, 3.0)));
    }

    @Test
    void aFigureIsReportedWithTheRangeOfItsRoundsUnderTheNamesTheComparisonReads() {
        Map<String, Object> report = new LinkedHashMap<>();
        BenchStatistics.putMedianAndRange(report, "ratio", List.of(0.9, 1.2, 0.7));
        assertEquals(Map.of("ratio", 0.9, "ratioMin", 0.7, "ratioMax", 1.2), report);
    }
}
