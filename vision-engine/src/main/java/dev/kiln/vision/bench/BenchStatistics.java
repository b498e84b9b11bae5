package dev.kiln.vision.bench;

import java.util.List;

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
}
