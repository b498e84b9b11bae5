package dev.kiln.contracts.studies;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.math.BigDecimal;
import java.util.List;
import java.util.SplittableRandom;

/**
 * One searched parameter: a field of the training spec, named by its JSON path ({@code learningRate},
 * {@code batchSize}, {@code optimizer}, {@code modelArgs.c1}, {@code augmentation.cropPadding}...).
 *
 * <p>Its values are typed: {@link Integer} for an int parameter, {@link Double} for a double one, and a
 * categorical parameter's values as JSON gave them (strings, numbers, booleans). The value methods assume a
 * parameter {@link StudySpecValidator} accepted.
 *
 * @param type   {@code categorical} (the {@code values}), {@code int} or {@code double} ({@code min}..{@code max})
 * @param values the choices of a categorical parameter (strings, numbers or booleans)
 * @param log    int/double: sample uniformly in log space (needs min > 0; grid search ignores it, it visits
 *               every value anyway)
 * @param step   int/double: only min, min + step, ... up to max (an int's step is 1 when absent); grid search
 *               needs it for a double; cannot be combined with log
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ParameterSpec(String name, String type, List<Object> values, Double min, Double max, Boolean log,
        Double step) {

    public static final String CATEGORICAL = "categorical";
    public static final String INT = "int";
    public static final String DOUBLE = "double";
    public static final List<String> TYPES = List.of(CATEGORICAL, INT, DOUBLE);

    public static ParameterSpec categorical(String name, Object... values) {
        return new ParameterSpec(name, CATEGORICAL, List.of(values), null, null, null, null);
    }

    /** An int or double parameter; {@code step} may be null. */
    public static ParameterSpec range(String name, String type, double min, double max, boolean log, Double step) {
        return new ParameterSpec(name, type, null, min, max, log, step);
    }

    /** A numeric parameter's {@code log} defaults to false; a categorical one has none. */
    public ParameterSpec withDefaults() {
        return new ParameterSpec(name, type, values, min, max, log == null && !CATEGORICAL.equals(type) ? Boolean.FALSE : log,
                step);
    }

    /** Whether it has a finite list of values, which grid search needs: categorical, int, or double with a step. */
    public boolean discrete() {
        return !DOUBLE.equals(type) || step != null;
    }

    /** How many values a {@linkplain #discrete() discrete} parameter has (at most {@link Long#MAX_VALUE}). */
    public long size() {
        if (CATEGORICAL.equals(type)) {
            return values.size();
        }
        requireDiscrete();
        BigDecimal steps = decimal(max).subtract(decimal(min)).divideToIntegralValue(decimal(stepOrOne()));
        return steps.compareTo(BigDecimal.valueOf(Long.MAX_VALUE - 1)) >= 0 ? Long.MAX_VALUE : steps.longValue() + 1;
    }

    /** The {@code index}-th value (from 0) of a {@linkplain #discrete() discrete} parameter, in order. */
    public Object value(long index) {
        if (index < 0 || index >= size()) {
            throw new IndexOutOfBoundsException("parameter " + name + " has " + size() + " values, not " + (index + 1));
        }
        if (CATEGORICAL.equals(type)) {
            return values.get((int) index);
        }
        // Decimal arithmetic, so that 0.1 + 2 x 0.1 is 0.3 and not 0.30000000000000004.
        BigDecimal value = decimal(min).add(decimal(stepOrOne()).multiply(BigDecimal.valueOf(index)));
        return INT.equals(type) ? (Object) value.intValueExact() : (Object) value.doubleValue();
    }

    /**
     * The extremes random search can draw: every value of a categorical parameter, the smallest and largest
     * value of a numeric one (a continuous double's bounds, which it draws arbitrarily close to).
     */
    public List<Object> corners() {
        if (CATEGORICAL.equals(type)) {
            return values;
        }
        Object first = discrete() ? value(0) : min;
        Object last = discrete() ? value(size() - 1) : max;
        return first.equals(last) ? List.of(first) : List.of(first, last);
    }

    /**
     * Draws one value: a categorical or stepped one uniformly among its values, a log one log-uniformly (an int
     * rounded to the nearest whole number), a continuous double uniformly in [min, max).
     */
    public Object sample(SplittableRandom random) {
        if (CATEGORICAL.equals(type)) {
            return values.get(random.nextInt(values.size()));
        }
        if (Boolean.TRUE.equals(log)) {
            double x = Math.exp(Math.log(min) + random.nextDouble() * (Math.log(max) - Math.log(min)));
            // exp(log(x)) may land a rounding error outside the bounds.
            double clamped = Math.max(min, Math.min(max, x));
            return INT.equals(type) ? (Object) (int) Math.round(clamped) : (Object) clamped;
        }
        if (discrete()) {
            return value(random.nextLong(size()));
        }
        return min + random.nextDouble() * (max - min);
    }

    private double stepOrOne() {
        return step == null ? 1 : step;
    }

    private void requireDiscrete() {
        if (!discrete()) {
            throw new IllegalStateException("parameter " + name + " is a double without a step: it has no finite values");
        }
    }

    private static BigDecimal decimal(double value) {
        return BigDecimal.valueOf(value);
    }
}
