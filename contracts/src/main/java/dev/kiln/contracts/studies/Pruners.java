package dev.kiln.contracts.studies;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.List;

/** Makes the {@link Pruner} a study asks for. */
public final class Pruners {

    private Pruners() {
    }

    /** The pruner of a valid spec (null: none), comparing values in the objective's direction. */
    public static Pruner of(PrunerSpec spec, ObjectiveSpec objective) {
        PrunerSpec pruner = (spec == null ? PrunerSpec.ABSENT : spec).withDefaults();
        ObjectiveSpec resolved = objective.withDefaults();
        return switch (pruner.type()) {
            case PrunerSpec.NONE -> Pruner.NONE;
            case PrunerSpec.MEDIAN -> new MedianStoppingRule(pruner.warmupEpochs(), pruner.minTrials(), resolved);
            case PrunerSpec.ASHA -> new Asha(pruner.minEpochs(), pruner.reductionFactor(), pruner.minTrialsAtRung(),
                    resolved);
            default -> throw new IllegalArgumentException("unknown pruner '" + pruner.type() + "'; one of " + PrunerSpec.TYPES);
        };
    }

    /** A trial's value at an epoch (from 1); null when the trial has not reached it or measured nothing there. */
    static Double valueAt(List<Double> values, int epoch) {
        Double value = values == null || values.size() < epoch ? null : values.get(epoch - 1);
        return value == null || value.isNaN() ? null : value;
    }

    /** Four significant digits, for reasons people read: 0.5213, 0.52, 1.2E-5. */
    static String number(double value) {
        return Double.isFinite(value) ? new BigDecimal(value).round(new MathContext(4)).stripTrailingZeros().toString()
                : String.valueOf(value);
    }
}
