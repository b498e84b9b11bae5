package dev.kiln.contracts.studies;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Successive halving (Li et al. 2018, "Massively Parallel Hyperparameter Tuning"; Ray Tune's ASHA): rungs at
 * {@code minEpochs} x {@code reductionFactor}^k epochs. A trial that reaches a rung goes on only if its value there
 * is among the best ceil(n / reductionFactor) of the n values recorded at that rung so far, its own included;
 * otherwise it stops.
 * <p>
 * With {@code minTrialsAtRung} 1 it is asynchronous: no trial waits for a rung to fill, so the first trials to
 * reach a rung are judged against few others (the first one always goes on), and later ones against more. With
 * k > 1 a trial reaching a rung where fewer than min(k, n + the trials that may still come) have values waits
 * there (a study pauses it); once they have, the waiting trials are judged together. k at least the study's
 * trials is synchronous successive halving: every rung waits for every trial that can reach it (one Hyperband
 * bracket), for the fewest epochs on curves that keep their order, at the price of idle workers near a rung.
 */
public record Asha(int minEpochs, int reductionFactor, int minTrialsAtRung, ObjectiveSpec objective)
        implements Pruner {

    public Asha {
        if (minEpochs < 1 || reductionFactor < 2 || minTrialsAtRung < 1) {
            throw new IllegalArgumentException("ASHA needs minEpochs >= 1, reductionFactor >= 2 and minTrialsAtRung"
                    + " >= 1, got " + minEpochs + ", " + reductionFactor + " and " + minTrialsAtRung);
        }
    }

    @Override
    public Optional<String> shouldStop(int trial, int epoch, Map<Integer, List<Double>> history) {
        Double value = Pruners.valueAt(history.get(trial), epoch);
        if (!isRung(epoch) || value == null) {
            return Optional.empty();
        }
        List<Double> rung = valuesAt(epoch, history).sorted(objective.bestFirst()).toList();
        int keep = Math.max(1, (rung.size() + reductionFactor - 1) / reductionFactor);
        double cutoff = rung.get(keep - 1);
        if (!objective.better(cutoff, value)) {
            return Optional.empty();
        }
        return Optional.of("pruned at epoch " + epoch + ": " + objective.epochMetricName() + " "
                + Pruners.number(value) + " is not among the best " + keep + " of the " + rung.size()
                + " trials at this rung (the cut-off is " + Pruners.number(cutoff) + ")");
    }

    @Override
    public Decision judge(int trial, int epoch, Map<Integer, List<Double>> history, int stillComing) {
        if (minTrialsAtRung > 1 && isRung(epoch) && Pruners.valueAt(history.get(trial), epoch) != null) {
            long there = valuesAt(epoch, history).count();
            long needed = Math.min(minTrialsAtRung, there + stillComing);
            if (there < needed) {
                return Decision.waitFor("waiting at epoch " + epoch + ": " + there + " of the " + needed
                        + " trials to compare have reached this rung");
            }
        }
        return Pruner.super.judge(trial, epoch, history, stillComing);
    }

    /** Whether trials are judged at this epoch: minEpochs x reductionFactor^k for some k >= 0. */
    public boolean isRung(int epoch) {
        long rung = minEpochs;
        while (rung < epoch) {
            rung *= reductionFactor;
        }
        return rung == epoch;
    }

    private static Stream<Double> valuesAt(int epoch, Map<Integer, List<Double>> history) {
        return history.values().stream().map(values -> Pruners.valueAt(values, epoch)).filter(Objects::nonNull);
    }
}
