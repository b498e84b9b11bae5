package dev.kiln.contracts.studies;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Median stopping (Golovin et al. 2017, as Optuna's MedianPruner and Katib's medianstop do it): after
 * {@code warmupEpochs}, once at least {@code minTrials} other trials reached the same epoch, a trial stops when
 * its best value so far is strictly worse than the median of the other trials' best values up to that epoch.
 */
public record MedianStoppingRule(int warmupEpochs, int minTrials, ObjectiveSpec objective) implements Pruner {

    public MedianStoppingRule {
        if (warmupEpochs < 0 || minTrials < 1) {
            throw new IllegalArgumentException("median stopping needs warmupEpochs >= 0 and minTrials >= 1, got "
                    + warmupEpochs + " and " + minTrials);
        }
    }

    @Override
    public Optional<String> shouldStop(int trial, int epoch, Map<Integer, List<Double>> history) {
        List<Double> own = history.get(trial);
        if (epoch <= warmupEpochs || own == null) {
            return Optional.empty();
        }
        Double best = objective.best(own.subList(0, Math.min(epoch, own.size())));
        List<Double> others = history.entrySet().stream()
                .filter(e -> e.getKey() != trial && e.getValue().size() >= epoch)
                .map(e -> objective.best(e.getValue().subList(0, epoch)))
                .filter(Objects::nonNull)
                .sorted()
                .toList();
        if (best == null || others.size() < minTrials) {
            return Optional.empty();
        }
        int half = others.size() / 2;
        double median = others.size() % 2 == 1 ? others.get(half) : (others.get(half - 1) + others.get(half)) / 2;
        if (!objective.better(median, best)) {
            return Optional.empty();
        }
        return Optional.of("pruned at epoch " + epoch + ": best " + objective.epochMetricName() + " "
                + Pruners.number(best) + " is worse than the median " + Pruners.number(median) + " of "
                + others.size() + " other trials");
    }
}
