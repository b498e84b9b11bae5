package dev.kiln.gateway.models;

import dev.kiln.contracts.runs.EvaluationReport;
import java.util.Arrays;
import java.util.List;
import java.util.function.ToDoubleFunction;

/** What "better" means for a registered model: a number from a run's test evaluation, and which way is up. */
public enum ModelMetric {

    /** Top-1 accuracy on the test set: higher is better. */
    TEST_ACCURACY("test.accuracy", true, EvaluationReport::accuracy),
    /** Mean loss on the test set: lower is better. */
    TEST_LOSS("test.loss", false, EvaluationReport::loss);

    /** The names the API and the registry's table use. */
    public static final List<String> IDS = Arrays.stream(values()).map(ModelMetric::id).toList();

    private final String id;
    private final boolean higherIsBetter;
    private final ToDoubleFunction<EvaluationReport> read;

    ModelMetric(String id, boolean higherIsBetter, ToDoubleFunction<EvaluationReport> read) {
        this.id = id;
        this.higherIsBetter = higherIsBetter;
        this.read = read;
    }

    public String id() {
        return id;
    }

    /** The metric with this name ({@code test.accuracy}, {@code test.loss}), or null. */
    public static ModelMetric parse(String id) {
        return Arrays.stream(values()).filter(m -> m.id.equals(id)).findFirst().orElse(null);
    }

    /** This metric of a run's test evaluation; null without an evaluation or for a value that is not finite. */
    public Double of(EvaluationReport test) {
        if (test == null) {
            return null;
        }
        double value = read.applyAsDouble(test);
        return Double.isFinite(value) ? value : null;
    }

    /** How much better {@code candidate} is than {@code reference}: positive when better, negative when worse. */
    public double improvement(double candidate, double reference) {
        return higherIsBetter ? candidate - reference : reference - candidate;
    }
}
