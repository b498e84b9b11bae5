package dev.kiln.contracts.runs;

import dev.kiln.contracts.validation.FieldError;
import java.util.ArrayList;
import java.util.List;

/** Checks a {@link TrainingSpec} before any work starts and lists every problem, not just the first. */
public final class TrainingSpecValidator {

    private TrainingSpecValidator() {
    }

    /**
     * @param spec   the spec as received (optional fields may be null)
     * @param prefix the JSON path of the spec in the request, e.g. {@code "spec"}
     * @return the problems, empty when the spec is valid
     */
    public static List<FieldError> validate(TrainingSpec spec, String prefix) {
        List<FieldError> errors = new ArrayList<>();
        if (spec == null) {
            errors.add(new FieldError(prefix, "is required"));
            return errors;
        }
        oneOf(errors, prefix + ".dataset", spec.dataset(), Catalog.DATASETS, true);
        oneOf(errors, prefix + ".model", spec.model(), Catalog.MODELS, true);
        oneOf(errors, prefix + ".optimizer", spec.optimizer(), Catalog.OPTIMIZERS, false);
        if (spec.epochs() != null && (spec.epochs() < 1 || spec.epochs() > Catalog.MAX_EPOCHS)) {
            errors.add(new FieldError(prefix + ".epochs",
                    "must be between 1 and " + Catalog.MAX_EPOCHS + ", got " + spec.epochs()));
        }
        if (spec.batchSize() != null && (spec.batchSize() < 1 || spec.batchSize() > Catalog.MAX_BATCH_SIZE)) {
            errors.add(new FieldError(prefix + ".batchSize",
                    "must be between 1 and " + Catalog.MAX_BATCH_SIZE + ", got " + spec.batchSize()));
        }
        Double lr = spec.learningRate();
        if (lr != null && (lr.isNaN() || lr <= 0 || lr > Catalog.MAX_LEARNING_RATE)) {
            errors.add(new FieldError(prefix + ".learningRate",
                    "must be greater than 0 and at most " + Catalog.MAX_LEARNING_RATE + ", got " + lr));
        }
        return errors;
    }

    private static void oneOf(List<FieldError> errors, String field, String value, List<String> allowed,
            boolean required) {
        if (value == null || value.isBlank()) {
            if (required) {
                errors.add(new FieldError(field, "is required; one of " + allowed));
            }
        } else if (!allowed.contains(value)) {
            errors.add(new FieldError(field, "unknown value '" + value + "'; one of " + allowed));
        }
    }
}
