package dev.kiln.contracts.studies;

/**
 * Stops trials whose objective, epoch by epoch, is unpromising against the other trials'. Pruners compare the
 * objective's validation metric, so they need a validation split.
 *
 * @param type            {@code none}, {@code median} (stop a trial whose best value so far is worse than the
 *                        median of the other trials' values at the same epoch) or {@code asha} (asynchronous
 *                        successive halving: at each rung, minEpochs x reductionFactor^k epochs, only the best
 *                        1/reductionFactor of the trials that reached it continue)
 * @param warmupEpochs    median: epochs every trial runs before it can be stopped
 * @param minTrials       median: trials that must have reached the epoch before comparing
 * @param minEpochs       asha: the first rung
 * @param reductionFactor asha: eta, at least 2
 */
public record PrunerSpec(String type, Integer warmupEpochs, Integer minTrials, Integer minEpochs,
        Integer reductionFactor) {
}
