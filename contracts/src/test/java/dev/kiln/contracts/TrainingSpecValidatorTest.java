package dev.kiln.contracts;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.contracts.runs.TrainingSpec;
import dev.kiln.contracts.runs.TrainingSpecValidator;
import dev.kiln.contracts.validation.FieldError;
import java.util.List;
import org.junit.jupiter.api.Test;

class TrainingSpecValidatorTest {

    @Test
    void minimalSpecIsValidAndGetsDefaults() {
        TrainingSpec spec = new TrainingSpec("fashion-mnist", "mnist-cnn", null, null, null, null, null);

        assertThat(TrainingSpecValidator.validate(spec, "spec")).isEmpty();
        assertThat(spec.withDefaults())
                .isEqualTo(new TrainingSpec("fashion-mnist", "mnist-cnn", 1, 64, "adam", 0.001, 42L));
    }

    @Test
    void everyProblemIsListedWithItsField() {
        TrainingSpec spec = new TrainingSpec("imagenet", null, 0, 0, "rmsprop", -1.0, null);

        List<FieldError> errors = TrainingSpecValidator.validate(spec, "spec");

        assertThat(errors).extracting(FieldError::field).containsExactlyInAnyOrder(
                "spec.dataset", "spec.model", "spec.optimizer", "spec.epochs", "spec.batchSize", "spec.learningRate");
        assertThat(errors).filteredOn(e -> e.field().equals("spec.dataset"))
                .singleElement().extracting(FieldError::message).asString()
                .contains("imagenet").contains("fashion-mnist");
    }

    @Test
    void upperBoundsAndNaNAreRejected() {
        TrainingSpec spec = new TrainingSpec("cifar10", "lenet", 1001, 65537, "sgd", Double.NaN, 1L);

        assertThat(TrainingSpecValidator.validate(spec, "spec")).extracting(FieldError::field)
                .containsExactlyInAnyOrder("spec.epochs", "spec.batchSize", "spec.learningRate");
    }

    @Test
    void missingSpecIsOneError() {
        assertThat(TrainingSpecValidator.validate(null, "spec"))
                .containsExactly(new FieldError("spec", "is required"));
    }
}
