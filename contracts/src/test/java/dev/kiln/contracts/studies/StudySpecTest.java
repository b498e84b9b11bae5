package dev.kiln.contracts.studies;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.contracts.messaging.Json;
import dev.kiln.contracts.runs.TrainingSpec;
import org.junit.jupiter.api.Test;

class StudySpecTest {

    private static final String CONFIGNET_GRID = """
            {"base": {"dataset": "cifar10", "model": "confignet"},
             "parameters": [{"name": "modelArgs.c1", "type": "categorical", "values": [48, 96]},
                            {"name": "modelArgs.c2", "type": "categorical", "values": [96, 192]},
                            {"name": "modelArgs.l1", "type": "categorical", "values": [256, 512]}]}
            """;

    @Test
    void minimalGridGetsItsSizeAsBudgetAndEveryDefault() {
        StudySpec study = Json.readStrict(CONFIGNET_GRID, StudySpec.class).withDefaults();

        assertThat(study.algorithm()).isEqualTo("grid");
        assertThat(study.seed()).isZero();
        assertThat(study.objective()).isEqualTo(new ObjectiveSpec("validation.loss", "minimize", null));
        assertThat(study.maxTrials()).isEqualTo(8);
        assertThat(study.parallelTrials()).isEqualTo(2);
        assertThat(study.maxFailedTrials()).isEqualTo(3);
        assertThat(study.pruner()).isEqualTo(new PrunerSpec("none", null, null, null, null, null));
        assertThat(study.base()).isEqualTo(TrainingSpec.of("cifar10", "confignet", null, null, null, null, null)
                .withDefaults());
        assertThat(study.parameters().get(0).log()).as("categorical parameters have no log").isNull();
        assertThat(study.registeredModel()).isNull();
        assertThat(study.withDefaults()).isEqualTo(study);
    }

    @Test
    void randomSearchDefaultsToTenTrialsAndLinearSampling() {
        StudySpec study = Json.readStrict("""
                {"base": {"dataset": "fashion-mnist", "model": "mlp"}, "algorithm": "random", "seed": 5,
                 "parameters": [{"name": "batchSize", "type": "int", "min": 16, "max": 256}]}
                """, StudySpec.class).withDefaults();

        assertThat(study.maxTrials()).isEqualTo(10);
        assertThat(study.seed()).isEqualTo(5L);
        assertThat(study.parameters().get(0).log()).isFalse();
        assertThat(study.parameters().get(0).step()).as("an int's step of 1 stays implicit").isNull();
        assertThat(study.withDefaults()).isEqualTo(study);
    }

    @Test
    void objectiveDirectionFollowsTheMetricUnlessGiven() {
        assertThat(new ObjectiveSpec("validation.accuracy", null, null).withDefaults().direction()).isEqualTo("maximize");
        assertThat(new ObjectiveSpec("test.accuracy", null, 0.9).withDefaults())
                .isEqualTo(new ObjectiveSpec("test.accuracy", "maximize", 0.9));
        assertThat(new ObjectiveSpec("test.loss", null, null).withDefaults().direction()).isEqualTo("minimize");
        assertThat(new ObjectiveSpec(null, null, null).withDefaults())
                .isEqualTo(new ObjectiveSpec("validation.loss", "minimize", null));
        assertThat(new ObjectiveSpec("validation.loss", "maximize", null).withDefaults().direction())
                .as("a given direction is kept, even an odd one").isEqualTo("maximize");
    }

    @Test
    void prunerDefaultsDependOnItsType() {
        assertThat(new PrunerSpec("median", null, null, null, null, null).withDefaults())
                .isEqualTo(new PrunerSpec("median", 1, 3, null, null, null));
        assertThat(new PrunerSpec("asha", null, null, null, null, null).withDefaults())
                .isEqualTo(new PrunerSpec("asha", null, null, 1, 3, 1));
        assertThat(new PrunerSpec("asha", null, null, 2, 4, 8).withDefaults())
                .isEqualTo(new PrunerSpec("asha", null, null, 2, 4, 8));
        assertThat(new PrunerSpec(null, null, null, null, null, null).withDefaults())
                .isEqualTo(new PrunerSpec("none", null, null, null, null, null));
    }

    @Test
    void parallelTrialsNeverDefaultAboveTheBudget() {
        StudySpec study = Json.readStrict(CONFIGNET_GRID.replace("\"parameters\"", "\"maxTrials\": 1, \"parameters\""),
                StudySpec.class).withDefaults();

        assertThat(study.maxTrials()).isEqualTo(1);
        assertThat(study.parallelTrials()).isEqualTo(1);
    }

    @Test
    void givenValuesAreKept() {
        StudySpec study = Json.readStrict("""
                {"base": {"dataset": "fashion-mnist", "model": "mlp", "epochs": 5}, "algorithm": "random", "seed": 9,
                 "parameters": [{"name": "learningRate", "type": "double", "min": 0.0001, "max": 0.1, "log": true}],
                 "objective": {"metric": "test.accuracy", "goal": 0.9}, "maxTrials": 12, "parallelTrials": 4,
                 "maxFailedTrials": 0, "pruner": {"type": "median", "warmupEpochs": 2},
                 "registeredModel": "fashion", "experiment": "lr-sweep"}
                """, StudySpec.class).withDefaults();

        assertThat(study.maxTrials()).isEqualTo(12);
        assertThat(study.parallelTrials()).isEqualTo(4);
        assertThat(study.maxFailedTrials()).isZero();
        assertThat(study.objective()).isEqualTo(new ObjectiveSpec("test.accuracy", "maximize", 0.9));
        assertThat(study.pruner()).isEqualTo(new PrunerSpec("median", 2, 3, null, null, null));
        assertThat(study.registeredModel()).isEqualTo("fashion");
        assertThat(study.experiment()).isEqualTo("lr-sweep");
        assertThat(study.base().epochs()).isEqualTo(5);
    }

    @Test
    void defaultedStudyWritesNoNullsAndReadsBack() {
        StudySpec study = Json.readStrict(CONFIGNET_GRID, StudySpec.class).withDefaults();

        String json = Json.write(study);

        assertThat(json).doesNotContain("null").doesNotContain("goal").doesNotContain("registeredModel")
                .doesNotContain("gridSize");
        assertThat(Json.readStrict(json, StudySpec.class)).isEqualTo(study);
    }

    @Test
    void gridSizeIsTheProductOfTheParametersSizes() {
        StudySpec study = Json.readStrict("""
                {"base": {"dataset": "fashion-mnist", "model": "mlp"},
                 "parameters": [{"name": "batchSize", "type": "int", "min": 16, "max": 64, "step": 16},
                                {"name": "learningRate", "type": "double", "min": 0.1, "max": 0.5, "step": 0.1},
                                {"name": "optimizer", "type": "categorical", "values": ["sgd", "adam"]}]}
                """, StudySpec.class);

        assertThat(study.gridSize()).isEqualTo(4 * 5 * 2);
        assertThat(study.withDefaults().maxTrials()).isEqualTo(40);
    }
}
