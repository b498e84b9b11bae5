package dev.kiln.contracts.studies;

import dev.kiln.contracts.runs.TrainingSpec;
import java.util.List;

/**
 * A hyperparameter study: trials are runs of {@code base} with some of its fields replaced by values drawn
 * from {@code parameters}, searched by {@code algorithm}, judged by {@code objective}. The body of
 * {@code POST /api/v1/studies}. JSON form: contracts/README.md.
 *
 * @param base            the training spec every trial starts from (its {@code earlyStopping} is the
 *                        trial-level early stopping)
 * @param parameters      what to search, at least one
 * @param algorithm       {@code grid} (every combination, in order) or {@code random} (seeded)
 * @param seed            random search's seed (grid ignores it)
 * @param objective       the metric a trial is judged by, and whether to minimise or maximise it
 * @param maxTrials       the trial budget; grid: at most the grid's size
 * @param parallelTrials  trials in flight at once
 * @param maxFailedTrials the study fails once more trials than this failed
 * @param pruner          stops unpromising trials early; absent: none
 * @param registeredModel when the study completes, the best trial is promoted to this model's champion
 * @param experiment      the experiment the trials' runs belong to
 */
public record StudySpec(TrainingSpec base, List<ParameterSpec> parameters, String algorithm, Long seed,
        ObjectiveSpec objective, Integer maxTrials, Integer parallelTrials, Integer maxFailedTrials, PrunerSpec pruner,
        String registeredModel, String experiment) {

    public static final String GRID = "grid";
    public static final String RANDOM = "random";
}
