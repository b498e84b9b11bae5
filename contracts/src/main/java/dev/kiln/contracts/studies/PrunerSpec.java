package dev.kiln.contracts.studies;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * Stops trials whose objective, epoch by epoch, is unpromising against the other trials'. Pruners compare the
 * objective's validation metric, so they need a validation split.
 *
 * @param type            {@code none}, {@code median} (stop a trial whose best value so far is worse than the
 *                        median of the other trials' best values up to the same epoch) or {@code asha}
 *                        (successive halving: at each rung, minEpochs x reductionFactor^k epochs, only the best
 *                        1/reductionFactor of the trials that reached it continue; see {@link Asha})
 * @param warmupEpochs    median: epochs every trial runs before it can be stopped
 * @param minTrials       median: other trials that must have reached the epoch before comparing
 * @param minEpochs       asha: the first rung
 * @param reductionFactor asha: eta, at least 2
 * @param minTrialsAtRung asha: trials a rung waits for (pausing those that reached it) before judging them;
 *                        1 never waits (asynchronous), the study's trials or more is synchronous successive halving
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record PrunerSpec(String type, Integer warmupEpochs, Integer minTrials, Integer minEpochs,
        Integer reductionFactor, Integer minTrialsAtRung) {

    public static final String NONE = "none";
    public static final String MEDIAN = "median";
    public static final String ASHA = "asha";
    public static final List<String> TYPES = List.of(NONE, MEDIAN, ASHA);

    public static final int DEFAULT_WARMUP_EPOCHS = 1;
    public static final int DEFAULT_MIN_TRIALS = 3;
    public static final int DEFAULT_MIN_EPOCHS = 1;
    public static final int DEFAULT_REDUCTION_FACTOR = 3;
    public static final int DEFAULT_MIN_TRIALS_AT_RUNG = 1;

    /** No pruner given: {@link #withDefaults} makes it {@code none}. */
    public static final PrunerSpec ABSENT = new PrunerSpec(null, null, null, null, null, null);

    /** The type defaults to none; only the type's own fields get defaults, the others stay absent. */
    public PrunerSpec withDefaults() {
        String resolved = type == null ? NONE : type;
        boolean median = resolved.equals(MEDIAN);
        boolean asha = resolved.equals(ASHA);
        return new PrunerSpec(resolved,
                median && warmupEpochs == null ? Integer.valueOf(DEFAULT_WARMUP_EPOCHS) : warmupEpochs,
                median && minTrials == null ? Integer.valueOf(DEFAULT_MIN_TRIALS) : minTrials,
                asha && minEpochs == null ? Integer.valueOf(DEFAULT_MIN_EPOCHS) : minEpochs,
                asha && reductionFactor == null ? Integer.valueOf(DEFAULT_REDUCTION_FACTOR) : reductionFactor,
                asha && minTrialsAtRung == null ? Integer.valueOf(DEFAULT_MIN_TRIALS_AT_RUNG) : minTrialsAtRung);
    }
}
