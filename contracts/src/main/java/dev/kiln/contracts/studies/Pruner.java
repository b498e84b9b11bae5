package dev.kiln.contracts.studies;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Decides, after an epoch of a trial, whether to stop the trial because the other trials did better. Pure: the
 * answer depends on the arguments only, so a scheduler that restarts can ask again. Made by {@link Pruners#of}.
 */
public interface Pruner {

    /** Never stops a trial. */
    Pruner NONE = (trial, epoch, history) -> Optional.empty();

    /**
     * Asked after each epoch of a trial but its last: a trial that ran all its epochs finished, it was not pruned.
     *
     * @param trial   the asking trial's number
     * @param epoch   the epoch it just finished, from 1
     * @param history the pruning values ({@link ObjectiveSpec#epochValue}) of every trial so far by trial number,
     *                the asking one included; index 0 is epoch 1; null or NaN where nothing was measured
     * @return why to stop the trial, for people ("pruned at epoch 3: ..."), or empty to let it go on
     */
    Optional<String> shouldStop(int trial, int epoch, Map<Integer, List<Double>> history);
}
