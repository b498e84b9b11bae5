package dev.kiln.contracts.studies;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Asynchronous successive halving (Li et al. 2018, "Massively Parallel Hyperparameter Tuning"; Ray Tune's
 * ASHA): rungs at {@code minEpochs} x {@code reductionFactor}^k epochs. A trial that reaches a rung goes on only
 * if its value there is among the best ceil(n / reductionFactor) of the n values recorded at that rung so far,
 * its own included; otherwise it stops. Asynchronous: no trial waits for a rung to fill, so the first trials to
 * reach a rung are judged against few others (the first one always goes on), and later ones against more.
 */
public record Asha(int minEpochs, int reductionFactor, ObjectiveSpec objective) implements Pruner {

    public Asha {
        if (minEpochs < 1 || reductionFactor < 2) {
            throw new IllegalArgumentException("ASHA needs minEpochs >= 1 and reductionFactor >= 2, got " + minEpochs
                    + " and " + reductionFactor);
        }
    }

    @Override
    public Optional<String> shouldStop(int trial, int epoch, Map<Integer, List<Double>> history) {
        Double value = Pruners.valueAt(history.get(trial), epoch);
        if (!isRung(epoch) || value == null) {
            return Optional.empty();
        }
        List<Double> rung = history.values().stream()
                .map(values -> Pruners.valueAt(values, epoch))
                .filter(Objects::nonNull)
                .sorted(objective.bestFirst())
                .toList();
        int keep = Math.max(1, (rung.size() + reductionFactor - 1) / reductionFactor);
        double cutoff = rung.get(keep - 1);
        if (!objective.better(cutoff, value)) {
            return Optional.empty();
        }
        return Optional.of("pruned at epoch " + epoch + ": " + objective.epochMetricName() + " "
                + Pruners.number(value) + " is not among the best " + keep + " of the " + rung.size()
                + " trials at this rung (the cut-off is " + Pruners.number(cutoff) + ")");
    }

    /** Whether trials are judged at this epoch: minEpochs x reductionFactor^k for some k >= 0. */
    public boolean isRung(int epoch) {
        long rung = minEpochs;
        while (rung < epoch) {
            rung *= reductionFactor;
        }
        return rung == epoch;
    }
}
