package dev.kiln.gateway.studies;

import dev.kiln.contracts.runs.EpochMetrics;
import dev.kiln.contracts.studies.ObjectiveSpec;
import dev.kiln.contracts.studies.Pruner;
import dev.kiln.contracts.studies.Pruners;
import dev.kiln.contracts.studies.StudySpec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a study does next, decided from its spec and its trials alone (no I/O, so it is unit-tested without
 * Quarkus): which running trials the pruner stops, how many new trials start, and whether the study ends.
 */
public final class StudyPlanner {

    /** A trial the pruner stops, at the epoch it reached. */
    public record Prune(int trial, int epoch, String reason) {
    }

    /**
     * @param prunes      trials to stop
     * @param launches    trials to start now (numbers after the last started one)
     * @param finalStatus {@code SUCCEEDED} or {@code FAILED} when the study ends now, else null
     * @param reason      why it ends
     * @param best        the best completed trial so far, or null
     * @param stopActive  whether the study's still running trials must be cancelled (it ends early)
     */
    public record Plan(List<Prune> prunes, int launches, String finalStatus, String reason, Integer best,
            boolean stopActive) {
    }

    private StudyPlanner() {
    }

    /** @param spec the study with its defaults filled in */
    public static Plan plan(StudySpec spec, List<Trial> trials) {
        ObjectiveSpec objective = spec.objective();
        List<Prune> prunes = prunes(spec, trials);
        List<Integer> pruned = prunes.stream().map(Prune::trial).toList();
        long active = trials.stream().filter(t -> t.active() && !pruned.contains(t.number())).count();
        long failed = trials.stream().filter(t -> Trial.FAILED.equals(t.state())).count();
        Integer best = best(objective, trials);
        Double bestValue = best == null ? null : trials.stream().filter(t -> t.number() == best)
                .map(t -> value(objective, t)).findFirst().orElseThrow();

        if (failed > spec.maxFailedTrials()) {
            return new Plan(prunes, 0, "FAILED", failed + " trials failed, more than maxFailedTrials "
                    + spec.maxFailedTrials(), best, true);
        }
        if (objective.goal() != null && bestValue != null && !objective.better(objective.goal(), bestValue)) {
            return new Plan(prunes, 0, "SUCCEEDED", "trial " + best + " reached the goal: " + objective.metric() + " "
                    + bestValue, best, true);
        }
        int launches = (int) Math.max(0, Math.min(spec.parallelTrials() - active, spec.maxTrials() - trials.size()));
        if (launches == 0 && active == 0 && trials.size() >= spec.maxTrials()) {
            return new Plan(prunes, 0, "SUCCEEDED", "all " + trials.size() + " trials finished", best, false);
        }
        return new Plan(prunes, launches, null, null, best, false);
    }

    private static List<Prune> prunes(StudySpec spec, List<Trial> trials) {
        Pruner pruner = Pruners.of(spec.pruner(), spec.objective());
        Map<Integer, List<Double>> history = new HashMap<>();
        for (Trial trial : trials) {
            List<Double> values = new ArrayList<>();
            for (EpochMetrics epoch : trial.epochs()) {
                values.add(spec.objective().epochValue(epoch));
            }
            history.put(trial.number(), values);
        }
        List<Prune> prunes = new ArrayList<>();
        for (Trial trial : trials) {
            List<Double> values = history.get(trial.number());
            // A trial past its last epoch is being tested, not trained: nothing left to save by stopping it.
            if (!Trial.RUNNING.equals(trial.state()) || values.isEmpty() || values.size() >= trial.maxEpochs()) {
                continue;
            }
            Optional<String> stop = pruner.shouldStop(trial.number(), values.size(), history);
            stop.ifPresent(reason -> prunes.add(new Prune(trial.number(), values.size(), reason)));
        }
        return prunes;
    }

    /** The completed trial with the best objective value (the lower number wins a tie), or null. */
    public static Integer best(ObjectiveSpec objective, List<Trial> trials) {
        return trials.stream()
                .filter(t -> Trial.COMPLETED.equals(t.state()) && value(objective, t) != null)
                .reduce((a, b) -> objective.better(value(objective, b), value(objective, a)) ? b : a)
                .map(Trial::number)
                .orElse(null);
    }

    /** The trial's objective value: its best epoch's validation metric, or its test metric; null if none yet. */
    public static Double value(ObjectiveSpec objective, Trial trial) {
        return objective.valueOf(trial.epochs(), trial.test());
    }
}
