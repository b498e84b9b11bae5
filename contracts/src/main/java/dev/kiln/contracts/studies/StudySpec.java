package dev.kiln.contracts.studies;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.kiln.contracts.runs.TrainingSpec;
import java.util.List;

/**
 * A hyperparameter study: trials are runs of {@code base} with some of its fields replaced by values drawn
 * from {@code parameters}, searched by {@code algorithm}, judged by {@code objective}. The body of
 * {@code POST /api/v1/studies}. Optional fields are null when not given; {@link #withDefaults()} fills them.
 * JSON form, defaults and rules: contracts/README.md; {@link StudySpecValidator} checks it.
 *
 * @param base            the training spec every trial starts from (its {@code earlyStopping} is the
 *                        trial-level early stopping)
 * @param parameters      what to search, at least one
 * @param algorithm       {@code grid} (every combination, in order) or {@code random} (seeded)
 * @param seed            random search's seed (grid ignores it)
 * @param objective       the metric a trial is judged by, and whether to minimise or maximise it
 * @param maxTrials       the trial budget; grid: at most the grid's size (a larger grid runs its first
 *                        maxTrials combinations, in order)
 * @param parallelTrials  trials in flight at once
 * @param maxFailedTrials the study fails once more trials than this failed
 * @param pruner          stops unpromising trials early; absent: none
 * @param registeredModel when the study completes, the best trial is promoted to this model's champion
 * @param experiment      the experiment the trials' runs belong to
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record StudySpec(TrainingSpec base, List<ParameterSpec> parameters, String algorithm, Long seed,
        ObjectiveSpec objective, Integer maxTrials, Integer parallelTrials, Integer maxFailedTrials, PrunerSpec pruner,
        String registeredModel, String experiment) {

    public static final String GRID = "grid";
    public static final String RANDOM = "random";
    public static final List<String> ALGORITHMS = List.of(GRID, RANDOM);

    public static final long DEFAULT_SEED = 0L;
    public static final int DEFAULT_RANDOM_TRIALS = 10;
    public static final int DEFAULT_PARALLEL_TRIALS = 2;
    public static final int DEFAULT_MAX_FAILED_TRIALS = 3;
    /**
     * The largest budget, and the largest grid: every combination of a grid is checked up front, and a grid that
     * big is a job for random search.
     */
    public static final int MAX_TRIALS = 10_000;
    public static final int MAX_PARALLEL_TRIALS = 64;

    /** The same study on another base spec (the gateway's, with its data set version pinned). */
    public StudySpec withBase(TrainingSpec pinned) {
        return new StudySpec(pinned, parameters, algorithm, seed, objective, maxTrials, parallelTrials,
                maxFailedTrials, pruner, registeredModel, experiment);
    }

    /**
     * The same study with every optional field set, its base spec included. Call it on a valid study only
     * ({@link StudySpecValidator}): a grid's default budget is its size, which needs finite parameters.
     */
    public StudySpec withDefaults() {
        String resolvedAlgorithm = algorithm == null ? GRID : algorithm;
        int trials = maxTrials != null ? maxTrials
                : resolvedAlgorithm.equals(GRID) ? (int) Math.min(gridSize(), Integer.MAX_VALUE) : DEFAULT_RANDOM_TRIALS;
        return new StudySpec(
                base.withDefaults(),
                parameters.stream().map(ParameterSpec::withDefaults).toList(),
                resolvedAlgorithm,
                seed == null ? DEFAULT_SEED : seed,
                (objective == null ? new ObjectiveSpec(null, null, null) : objective).withDefaults(),
                trials,
                // Never more in flight than the budget allows, or the default of a one-trial study is invalid.
                parallelTrials == null ? Math.min(DEFAULT_PARALLEL_TRIALS, trials) : parallelTrials,
                maxFailedTrials == null ? DEFAULT_MAX_FAILED_TRIALS : maxFailedTrials,
                (pruner == null ? PrunerSpec.ABSENT : pruner).withDefaults(),
                registeredModel,
                experiment);
    }

    /**
     * The number of combinations of the parameters' values (the grid's size), saturating at
     * {@link Long#MAX_VALUE}; every parameter must be {@linkplain ParameterSpec#discrete() discrete}.
     */
    public long gridSize() {
        return new SearchSpace.GridSearch(parameters).combinations();
    }
}
