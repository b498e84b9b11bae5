package dev.kiln.contracts.studies;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.contracts.messaging.Json;
import dev.kiln.contracts.runs.TrainingSpec;
import dev.kiln.contracts.runs.TrainingSpecValidator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The study request files in examples/ are valid, and are what they say they are. */
class StudyExamplesTest {

    static StudySpec example(String file) throws Exception {
        return Json.readStrict(Files.readString(Path.of("../examples", file)), StudySpec.class);
    }

    @Test
    void cifar10GridIsTheSeedsGridSearch() throws Exception {
        StudySpec study = example("cifar10-grid-study.json");

        assertThat(StudySpecValidator.validate(study, "")).isEmpty();
        StudySpec full = study.withDefaults();
        assertThat(StudySpecValidator.validate(full, "")).isEmpty();
        assertThat(full.gridSize()).isEqualTo(8);
        assertThat(full.maxTrials()).isEqualTo(8);
        assertThat(full.parallelTrials()).isEqualTo(2);
        assertThat(full.objective()).isEqualTo(new ObjectiveSpec("validation.loss", "minimize", null));
        assertThat(full.pruner()).as("synchronous successive halving")
                .isEqualTo(new PrunerSpec("asha", null, null, 1, 2, 8));
        TrainingSpec base = full.base();
        assertThat(List.of(base.optimizer(), base.learningRate(), base.batchSize(), base.epochs(),
                base.earlyStopping().patience())).containsExactly("adam", 0.001, 512, 10, 3);
        // The seeds' table lists l1 slowest, then c1, then c2: declaring l1, c1, c2 numbers the trials like its rows.
        SearchSpace grid = SearchSpace.of(full);
        assertThat(IntStream.rangeClosed(1, 8).mapToObj(n -> architecture(grid.trial(n))).toList()).containsExactly(
                "48-96-256", "48-192-256", "96-96-256", "96-192-256", "48-96-512", "48-192-512", "96-96-512", "96-192-512");
    }

    @Test
    void fashionMnistStudyIsSmallAndPruned() throws Exception {
        StudySpec study = example("fashion-mnist-study.json");

        assertThat(StudySpecValidator.validate(study, "")).isEmpty();
        StudySpec full = study.withDefaults();
        assertThat(StudySpecValidator.validate(full, "")).isEmpty();
        assertThat(full.maxTrials()).isBetween(4, 6);
        assertThat(full.base().epochs()).isBetween(3, 4);
        assertThat(full.pruner().type()).isNotEqualTo("none");
        SearchSpace space = SearchSpace.of(full);
        for (int n = 1; n <= space.size(); n++) {
            TrainingSpec trial = TrialSpecs.apply(full.base(), space.trial(n));
            assertThat(TrainingSpecValidator.validate(trial, "trial")).isEmpty();
            assertThat(trial.learningRate()).isBetween(0.0003, 0.01);
        }
    }

    @Test
    void fashionMnistGridIsTheBenchmarksGridWithAsha() throws Exception {
        StudySpec full = example("fashion-mnist-grid-study.json").withDefaults();

        assertThat(StudySpecValidator.validate(full, "")).isEmpty();
        assertThat(full.gridSize()).isEqualTo(8);
        assertThat(full.base().epochs()).as("the seeds' trials' length").isEqualTo(10);
        // One cut, after 2 epochs with every trial there: the best 2 of 8 train on, 32 of the 80 epochs (BENCHMARKS.md).
        assertThat(full.pruner()).isEqualTo(new PrunerSpec("asha", null, null, 2, 5, 8));
    }

    @Test
    void mnistSampleGridIsTheSameGridSmallEnoughForTheEndToEndCheck() throws Exception {
        StudySpec full = example("mnist-sample-grid-study.json").withDefaults();
        StudySpec benchmarks = example("fashion-mnist-grid-study.json").withDefaults();

        assertThat(StudySpecValidator.validate(full, "")).isEmpty();
        assertThat(full.parameters()).isEqualTo(benchmarks.parameters());
        assertThat(full.base().dataset()).isEqualTo("mnist-sample");
        // One cut after 2 epochs with all 8 trials there; the best 2 train on to 8: 28 epochs of 7,200 images.
        assertThat(full.pruner()).isEqualTo(new PrunerSpec("asha", null, null, 2, 4, 8));
        assertThat(full.base().epochs()).isEqualTo(8);
    }

    private static String architecture(Map<String, Object> trial) {
        return trial.get("modelArgs.c1") + "-" + trial.get("modelArgs.c2") + "-" + trial.get("modelArgs.l1");
    }
}
