package dev.kiln.contracts.studies;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.kiln.contracts.runs.EpochMetrics;
import dev.kiln.contracts.runs.EvaluationReport;
import java.util.Comparator;
import java.util.List;

/**
 * What makes a trial better. The helpers ({@link #better}, {@link #valueOf}, {@link #epochValue}) read a
 * {@linkplain #withDefaults() defaulted} objective.
 *
 * @param metric    {@code validation.loss}, {@code validation.accuracy} (the trial's best epoch; what pruners
 *                  compare epoch by epoch), {@code test.loss} or {@code test.accuracy} (once a trial finished)
 * @param direction {@code minimize} or {@code maximize}
 * @param goal      optional: the study ends as soon as a trial reaches it
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ObjectiveSpec(String metric, String direction, Double goal) {

    public static final String VALIDATION_LOSS = "validation.loss";
    public static final String VALIDATION_ACCURACY = "validation.accuracy";
    public static final String TEST_LOSS = "test.loss";
    public static final String TEST_ACCURACY = "test.accuracy";
    public static final List<String> METRICS = List.of(VALIDATION_LOSS, VALIDATION_ACCURACY, TEST_LOSS, TEST_ACCURACY);
    public static final String MINIMIZE = "minimize";
    public static final String MAXIMIZE = "maximize";
    public static final List<String> DIRECTIONS = List.of(MINIMIZE, MAXIMIZE);

    /** The metric defaults to {@code validation.loss}; the direction follows it: a loss is minimised, an accuracy maximised. */
    public ObjectiveSpec withDefaults() {
        String resolved = metric == null ? VALIDATION_LOSS : metric;
        return new ObjectiveSpec(resolved, direction != null ? direction
                : resolved.endsWith("accuracy") ? MAXIMIZE : MINIMIZE, goal);
    }

    /** Whether {@code a} is strictly better than {@code b} in this objective's direction. */
    public boolean better(double a, double b) {
        return MAXIMIZE.equals(direction) ? a > b : a < b;
    }

    /**
     * A finished (or running) trial's value: for a validation metric the best epoch's value, for a test metric the
     * test report's. Null when not measured (no validation data, no epoch yet, no test report).
     */
    public Double valueOf(List<EpochMetrics> epochs, EvaluationReport test) {
        if (metric.startsWith("test.")) {
            return test == null ? null : metric.equals(TEST_LOSS) ? test.loss() : test.accuracy();
        }
        return best(epochs.stream().map(this::epochValue).toList());
    }

    /**
     * What pruners compare after each epoch: the validation metric of the objective's kind, also for a test
     * objective, because the test set is only evaluated once a trial ends.
     */
    public Double epochValue(EpochMetrics epoch) {
        return metric.endsWith("accuracy") ? epoch.validationAccuracy() : epoch.validationLoss();
    }

    /** The metric {@link #epochValue} reads, in words for messages ("validation loss"). */
    String epochMetricName() {
        return metric.endsWith("accuracy") ? "validation accuracy" : "validation loss";
    }

    /** Orders values best first in this direction. */
    Comparator<Double> bestFirst() {
        return MAXIMIZE.equals(direction) ? Comparator.reverseOrder() : Comparator.naturalOrder();
    }

    /** The best of these values in this direction, skipping missing and NaN ones; null when none is left. */
    Double best(List<Double> values) {
        Double best = null;
        for (Double value : values) {
            if (value != null && !value.isNaN() && (best == null || better(value, best))) {
                best = value;
            }
        }
        return best;
    }
}
