package dev.kiln.contracts.studies;

import java.util.List;

/**
 * One searched parameter: a field of the training spec, named by its JSON path ({@code learningRate},
 * {@code batchSize}, {@code optimizer}, {@code modelArgs.c1}, {@code augmentation.cropPadding}...).
 *
 * @param type   {@code categorical} (the {@code values}), {@code int} or {@code double} ({@code min}..{@code max})
 * @param values the choices of a categorical parameter (strings or numbers)
 * @param log    int/double: sample uniformly in log space (needs min > 0)
 * @param step   int/double: only min, min + step, ... up to max; grid search needs it for a double
 */
public record ParameterSpec(String name, String type, List<Object> values, Double min, Double max, Boolean log,
        Double step) {

    public static final String CATEGORICAL = "categorical";
    public static final String INT = "int";
    public static final String DOUBLE = "double";
}
