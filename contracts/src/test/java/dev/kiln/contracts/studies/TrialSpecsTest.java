package dev.kiln.contracts.studies;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kiln.contracts.messaging.Json;
import dev.kiln.contracts.runs.AugmentationSpec;
import dev.kiln.contracts.runs.EarlyStoppingSpec;
import dev.kiln.contracts.runs.TrainingSpec;
import dev.kiln.contracts.runs.TrainingSpecValidator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TrialSpecsTest {

    private static final TrainingSpec SEEDS_BASE = Json.readStrict("""
            {"dataset": "cifar10", "model": "confignet", "epochs": 10, "batchSize": 512, "optimizer": "adam",
             "learningRate": 0.001, "earlyStopping": {"patience": 3},
             "augmentation": {"rotationDegrees": 20, "brightness": 0.2, "hue": 0.1, "horizontalFlip": true}}
            """, TrainingSpec.class);

    @Test
    void theSeedsGridMakesEightValidConfignetTrials() {
        SearchSpace grid = new SearchSpace.GridSearch(List.of(ParameterSpec.categorical("modelArgs.c1", 48, 96),
                ParameterSpec.categorical("modelArgs.c2", 96, 192), ParameterSpec.categorical("modelArgs.l1", 256, 512)));
        Set<List<Double>> architectures = new HashSet<>();

        for (int n = 1; n <= grid.size(); n++) {
            TrainingSpec trial = TrialSpecs.apply(SEEDS_BASE, grid.trial(n));

            assertThat(TrainingSpecValidator.validate(trial, "trial")).isEmpty();
            assertThat(trial.withDefaults()).isEqualTo(trial);
            assertThat(trial.modelArgs()).containsOnlyKeys("c1", "c2", "l1", "d1").containsEntry("d1", 0.1);
            assertThat(trial).usingRecursiveComparison().ignoringFields("modelArgs").isEqualTo(SEEDS_BASE.withDefaults());
            architectures.add(List.of(trial.modelArgs().get("c1"), trial.modelArgs().get("c2"), trial.modelArgs().get("l1")));
        }

        assertThat(architectures).hasSize(8).contains(List.of(48.0, 96.0, 256.0), List.of(96.0, 192.0, 512.0));
    }

    @Test
    void topLevelFieldsAreReplacedWithTheirTypes() {
        TrainingSpec trial = TrialSpecs.apply(SEEDS_BASE, Map.of("learningRate", 0.01, "batchSize", 128,
                "optimizer", "sgd", "nesterov", true, "seed", 7, "validationSplit", 0));

        assertThat(trial.learningRate()).isEqualTo(0.01);
        assertThat(trial.batchSize()).isEqualTo(128);
        assertThat(trial.optimizer()).isEqualTo("sgd");
        assertThat(trial.momentum()).as("defaults follow the replaced optimizer").isEqualTo(0.9);
        assertThat(trial.nesterov()).isTrue();
        assertThat(trial.seed()).isEqualTo(7L);
        assertThat(trial.validationSplit()).isZero();
        assertThat(SEEDS_BASE.learningRate()).as("the base is not changed").isEqualTo(0.001);
    }

    @Test
    void nestedObjectsAreCreatedWhenAbsentAndKeepTheirOtherFields() {
        TrainingSpec plain = TrainingSpec.of("cifar10", "lenet", 6, null, null, null, null);

        TrainingSpec trial = TrialSpecs.apply(plain, Map.of("augmentation.hue", 0.05, "earlyStopping.patience", 2,
                "schedule.type", "step", "schedule.stepSize", 2, "modelArgs.c1", 8));

        assertThat(trial.augmentation()).isEqualTo(new AugmentationSpec(0, false, 0.0, 0.0, 0.05, false, 0.0, 0.0, 0.0, 0.0));
        assertThat(trial.earlyStopping()).isEqualTo(new EarlyStoppingSpec(2));
        assertThat(trial.schedule().type()).isEqualTo("step");
        assertThat(trial.schedule().stepSize()).isEqualTo(2);
        assertThat(trial.schedule().gamma()).isEqualTo(0.1);
        assertThat(TrialSpecs.apply(SEEDS_BASE, Map.of("augmentation.hue", 0.05)).augmentation())
                .isEqualTo(new AugmentationSpec(0, true, 20.0, 0.2, 0.05, false, 0.0, 0.0, 0.0, 0.0));
    }

    @Test
    void aSearchedModelKeepsOnlyTheArgumentsItTakes() {
        TrainingSpec base = Json.readStrict("{\"dataset\": \"fashion-mnist\", \"model\": \"mnist-cnn\","
                + " \"modelArgs\": {\"n_feature\": 32}}", TrainingSpec.class);

        assertThat(TrialSpecs.apply(base, Map.of("model", "fc2layer")).modelArgs()).containsExactly(Map.entry("n_hidden", 8.0));
        assertThat(TrialSpecs.apply(base, Map.of("model", "mnist-cnn")).modelArgs()).containsExactly(Map.entry("n_feature", 32.0));
        assertThat(TrialSpecs.apply(base.withDefaults(), Map.of("model", "mlp")).modelArgs()).isEmpty();
        assertThat(TrialSpecs.apply(base, Map.of("model", "fc2layer", "modelArgs.n_hidden", 16)).modelArgs())
                .containsExactly(Map.entry("n_hidden", 16.0));
    }

    @Test
    void onlySearchableFieldsCanBeReplaced() {
        assertThatThrownBy(() -> TrialSpecs.apply(SEEDS_BASE, Map.of("dataset", "fashion-mnist")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'dataset'");
        assertThatThrownBy(() -> TrialSpecs.apply(SEEDS_BASE, Map.of("modelArgs.", 3)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TrialSpecs.apply(SEEDS_BASE, Map.of("schedule.milestones", List.of(2))))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
