package dev.kiln.infra.stack;

import java.util.ArrayList;
import java.util.List;

/**
 * Rounds of a rate, each measured between two rounds of its reference (reference, rate, reference, rate, ...,
 * reference), and each rate set against the mean of the two references beside it. On this project's VMs the host's
 * speed drifts by a fifth within minutes, and a reference measured minutes away from its rate carries that drift into
 * the ratio; neighbours share most of it.
 *
 * @param references one more than {@code rates}: the first before the first rate, each other right after a rate
 * @param rates      the measured rates, in order
 */
record NeighbourRatios(List<Double> references, List<Double> rates) {

    NeighbourRatios {
        if (rates.isEmpty() || references.size() != rates.size() + 1) {
            throw new IllegalArgumentException("rounds of a rate need a reference before and after each: "
                    + references.size() + " references for " + rates.size() + " rates");
        }
        references = List.copyOf(references);
        rates = List.copyOf(rates);
    }

    /** Each rate against the mean of the references before and after it. */
    List<Double> ratios() {
        List<Double> ratios = new ArrayList<>();
        for (int i = 0; i < rates.size(); i++) {
            ratios.add(ratio(rates.get(i), references.get(i), references.get(i + 1)));
        }
        return ratios;
    }

    /** A rate against the mean of the two references beside it. */
    static double ratio(double rate, double before, double after) {
        return rate / mean(before, after);
    }

    /** The reference a rate measured between these two is set against. */
    static double mean(double before, double after) {
        return (before + after) / 2;
    }

    /** The middle ratio (the mean of the middle two for an even count): one drifting round does not move it. */
    double median() {
        List<Double> sorted = ratios().stream().sorted().toList();
        int middle = sorted.size() / 2;
        return sorted.size() % 2 == 1 ? sorted.get(middle) : (sorted.get(middle - 1) + sorted.get(middle)) / 2;
    }

    double min() {
        return ratios().stream().mapToDouble(Double::doubleValue).min().orElseThrow();
    }

    double max() {
        return ratios().stream().mapToDouble(Double::doubleValue).max().orElseThrow();
    }

    /** The references' mean: the reference rate of these rounds as a whole. */
    double referenceMean() {
        return references.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
    }
}
