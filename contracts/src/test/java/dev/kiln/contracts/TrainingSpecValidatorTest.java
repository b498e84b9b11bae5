package dev.kiln.contracts;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.contracts.messaging.Json;
import dev.kiln.contracts.runs.AugmentationSpec;
import dev.kiln.contracts.runs.ScheduleSpec;
import dev.kiln.contracts.runs.TrainingSpec;
import dev.kiln.contracts.runs.TrainingSpecValidator;
import dev.kiln.contracts.validation.FieldError;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TrainingSpecValidatorTest {

    @Test
    void minimalSpecIsValidAndGetsDefaults() {
        TrainingSpec spec = TrainingSpec.of("fashion-mnist", "mnist-cnn", null, null, null, null, null);

        assertThat(TrainingSpecValidator.validate(spec, "spec")).isEmpty();
        TrainingSpec full = spec.withDefaults();
        assertThat(full.epochs()).isEqualTo(1);
        assertThat(full.batchSize()).isEqualTo(64);
        assertThat(full.optimizer()).isEqualTo("adam");
        assertThat(full.learningRate()).isEqualTo(0.001);
        assertThat(full.seed()).isEqualTo(42L);
        assertThat(full.modelArgs()).containsExactly(Map.entry("n_feature", 6.0));
        assertThat(full.normalization()).isEqualTo("mnist");
        assertThat(full.validationSplit()).isEqualTo(0.1);
        assertThat(full.schedule()).isEqualTo(ScheduleSpec.NONE);
        assertThat(full.augmentation()).isEqualTo(AugmentationSpec.NONE);
        assertThat(full.earlyStopping()).isNull();
        assertThat(full.withDefaults()).isEqualTo(full);
    }

    @Test
    void defaultsDependOnOptimizerAndDataset() {
        TrainingSpec sgd = TrainingSpec.of("cifar10", "lenet", 1, 64, "sgd", 0.01, 1L).withDefaults();

        assertThat(sgd.momentum()).isEqualTo(0.9);
        assertThat(sgd.normalization()).isEqualTo("cifar");
        assertThat(Json.read("{\"dataset\":\"cifar10\",\"model\":\"confignet\",\"modelArgs\":{\"c1\":96}}",
                TrainingSpec.class).withDefaults().modelArgs())
                .containsExactly(Map.entry("c1", 96.0), Map.entry("c2", 96.0), Map.entry("l1", 256.0), Map.entry("d1", 0.1));
    }

    @Test
    void everyProblemIsListedWithItsField() {
        TrainingSpec spec = TrainingSpec.of("imagenet", null, 0, 0, "rmsprop", -1.0, null);

        List<FieldError> errors = TrainingSpecValidator.validate(spec, "spec");

        assertThat(errors).extracting(FieldError::field).containsExactlyInAnyOrder(
                "spec.dataset", "spec.model", "spec.optimizer", "spec.epochs", "spec.batchSize", "spec.learningRate");
        assertThat(errors).filteredOn(e -> e.field().equals("spec.dataset"))
                .singleElement().extracting(FieldError::message).asString()
                .contains("imagenet").contains("fashion-mnist");
    }

    @Test
    void anImageSizeResizesTheDataTheModelAndAugmentationAreCheckedAgainst() {
        String vggOnMnist = "{\"dataset\": \"fashion-mnist\", \"model\": \"vgg11\"%s}";

        assertThat(TrainingSpecValidator.validate(Json.read(vggOnMnist.formatted(""), TrainingSpec.class), "spec"))
                .extracting(FieldError::message).containsExactly("vgg11 needs images of at least 32x32; fashion-mnist"
                        + " has 28x28");
        assertThat(TrainingSpecValidator.validate(Json.read(vggOnMnist.formatted(", \"imageSize\": 32"),
                TrainingSpec.class), "spec")).isEmpty();
        assertThat(TrainingSpecValidator.validate(Json.read(vggOnMnist.formatted(", \"imageSize\": 4"),
                TrainingSpec.class), "spec")).extracting(FieldError::field).contains("spec.imageSize", "spec.model");
        assertThat(TrainingSpecValidator.validate(Json.read(vggOnMnist.formatted(", \"imageSize\": 1000"),
                TrainingSpec.class), "spec")).extracting(FieldError::message).contains("must be between 8 and 256, got 1000");
        assertThat(Json.read(vggOnMnist.formatted(", \"imageSize\": 32"), TrainingSpec.class).withDefaults()
                .datasetInfo().height()).isEqualTo(32);
    }

    @Test
    void upperBoundsAndNaNAreRejected() {
        TrainingSpec spec = TrainingSpec.of("cifar10", "lenet", 1001, 65537, "sgd", Double.NaN, 1L);

        assertThat(TrainingSpecValidator.validate(spec, "spec")).extracting(FieldError::field)
                .containsExactlyInAnyOrder("spec.epochs", "spec.batchSize", "spec.learningRate");
    }

    @Test
    void combinationsThatCannotWorkAreRejected() {
        String json = """
                {"dataset": "fashion-mnist", "model": "vgg11", "epochs": 10, "batchSize": 65000,
                 "validationSplit": 0, "optimizer": "adam", "nesterov": true, "normalization": "cifar",
                 "modelArgs": {"n_feature": 8},
                 "earlyStopping": {"patience": 3},
                 "schedule": {"type": "multistep", "milestones": [5, 3, 12], "warmupEpochs": 10},
                 "augmentation": {"cropPadding": 20, "hue": 0.1, "rotationDegrees": 200, "saturation": 0.2,
                                  "grayscale": 1.5, "scale": 0.95, "contrast": 0.3, "verticalFlip": true}}
                """;

        List<FieldError> errors = TrainingSpecValidator.validate(Json.read(json, TrainingSpec.class), "spec");

        assertThat(errors).extracting(FieldError::field).containsExactlyInAnyOrder(
                "spec.batchSize", "spec.nesterov", "spec.normalization", "spec.modelArgs.n_feature",
                "spec.earlyStopping", "spec.schedule.milestones[1]", "spec.schedule.milestones[2]",
                "spec.schedule.warmupEpochs", "spec.model", "spec.augmentation.cropPadding", "spec.augmentation.hue",
                "spec.augmentation.rotationDegrees", "spec.augmentation.saturation", "spec.augmentation.grayscale",
                "spec.augmentation.grayscale", "spec.augmentation.scale");
        assertThat(errors).filteredOn(e -> e.field().equals("spec.model")).singleElement()
                .extracting(FieldError::message).asString().contains("32x32").contains("28x28");
        assertThat(errors).filteredOn(e -> e.field().equals("spec.augmentation.hue")).singleElement()
                .extracting(FieldError::message).asString().contains("grey");
        assertThat(errors).filteredOn(e -> e.field().equals("spec.batchSize")).singleElement()
                .extracting(FieldError::message).asString().contains("60000 training images");
    }

    @Test
    void modelArgumentsAreCheckedByName() {
        String json = """
                {"dataset": "cifar10", "model": "confignet", "modelArgs": {"c1": 48.5, "l1": 0, "d1": 0.3, "width": 2},
                 "schedule": {"type": "step"}, "earlyStopping": {}}
                """;

        assertThat(TrainingSpecValidator.validate(Json.read(json, TrainingSpec.class), "spec"))
                .extracting(FieldError::field).containsExactlyInAnyOrder("spec.modelArgs.c1", "spec.modelArgs.l1",
                        "spec.modelArgs.width", "spec.schedule.stepSize", "spec.earlyStopping.patience");
    }

    @Test
    void aSpecThatIsTheWholeDocumentHasUnprefixedFields() {
        assertThat(TrainingSpecValidator.validate(TrainingSpec.of("cifar10", "lenet", 0, null, null, null, null), ""))
                .extracting(FieldError::field).containsExactly("epochs");
    }

    @Test
    void missingSpecIsOneError() {
        assertThat(TrainingSpecValidator.validate(null, "spec"))
                .containsExactly(new FieldError("spec", "is required"));
    }
}
