package dev.kiln.vision.bench;

import java.util.List;
import java.util.Map;

/** What the benchmarks report of their rounds. */
public final class BenchStatistics {

    private BenchStatistics() {
    }

    /** The median; the mean of the middle two for an even count. */
    public static double median(List<Double> values) {
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /**
     * Puts the median of {@code values} under {@code field} and their extremes under {@code field + "Min"} and
     * {@code field + "Max"}: the form the results file and its comparison read.
     */
    public static void putMedianAndRange(Map<String, Object> report, String field, List<Double> values) {
        report.put(field, median(values));
        report.put(field + "Min", values.stream().mapToDouble(Double::doubleValue).min().orElseThrow());
        report.put(field + "Max", values.stream().mapToDouble(Double::doubleValue).max().orElseThrow());
    }
}
