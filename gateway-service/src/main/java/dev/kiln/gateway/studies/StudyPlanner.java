package dev.kiln.gateway.studies;

import dev.kiln.contracts.runs.EpochMetrics;
import dev.kiln.contracts.studies.ObjectiveSpec;
import dev.kiln.contracts.studies.Pruner;
import dev.kiln.contracts.studies.Pruners;
import dev.kiln.contracts.studies.StudySpec;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a study does next, decided from its spec and its trials alone (no I/O, so it is unit-tested without
 * Quarkus): what the pruner makes of each trial's epochs not judged yet (stop the trial, hold it at a rung, let it
 * go on), which held trials resume, how many new trials start, and whether the study ends.
 */
public final class StudyPlanner {

    /** A trial the pruner stops (in flight or paused), at the epoch it was judged at. */
    public record Prune(int trial, int epoch, String reason) {
    }

    /** A trial in flight the pruner holds at the rung {@code epoch} until enough trials have reached it. */
    public record Pause(int trial, int epoch, String reason) {
    }

    /** The pruner let the trial go on up to this epoch. */
    public record Judged(int trial, int epoch) {
    }

    /**
     * @param prunes         trials to stop
     * @param pauses         trials in flight to pause
     * @param judged         trials judged further than recorded
     * @param resumes        paused trials to queue again, in this order, before any new trial
     * @param launches       trials to start now (numbers after the last started one)
     * @param finalStatus    {@code SUCCEEDED} or {@code FAILED} when the study ends now, else null
     * @param reason         why it ends
     * @param best           the best completed trial so far, or null
     * @param stopUnfinished whether the study's trials in flight or paused must be cancelled (it ends early)
     */
    public record Plan(List<Prune> prunes, List<Pause> pauses, List<Judged> judged, List<Integer> resumes,
            int launches, String finalStatus, String reason, Integer best, boolean stopUnfinished) {
    }

    private StudyPlanner() {
    }

    /** @param spec the study with its defaults filled in */
    public static Plan plan(StudySpec spec, List<Trial> trials) {
        ObjectiveSpec objective = spec.objective();
        Verdicts verdicts = new Verdicts(spec, trials);
        long failed = trials.stream().filter(t -> t.state() == Trial.State.FAILED).count();
        Integer best = best(objective, trials);
        Double bestValue = best == null ? null : trials.stream().filter(t -> t.number() == best)
                .map(t -> value(objective, t)).findFirst().orElseThrow();

        if (failed > spec.maxFailedTrials()) {
            return verdicts.ending("FAILED", failed + " trials failed, more than maxFailedTrials "
                    + spec.maxFailedTrials(), best);
        }
        if (objective.goal() != null && bestValue != null && !objective.better(objective.goal(), bestValue)) {
            return verdicts.ending("SUCCEEDED", "trial " + best + " reached the goal: " + objective.metric() + " "
                    + bestValue, best);
        }
        List<Pause> pauses = trials.stream().filter(t -> t.active() && verdicts.waiting.containsKey(t.number()))
                .map(t -> verdicts.waiting.get(t.number())).toList();
        long active = trials.stream().filter(t -> t.active() && verdicts.goesOn(t.number())).count();
        long held = pauses.size() + trials.stream()
                .filter(t -> t.state() == Trial.State.PAUSED && !verdicts.stopped.contains(t.number())).count();
        // Held trials leave their place among parallelTrials; those free to go on take it before new trials,
        // the furthest first.
        int free = (int) Math.max(0, spec.parallelTrials() - active);
        List<Integer> resumes = trials.stream()
                .filter(t -> t.state() == Trial.State.PAUSED && verdicts.goesOn(t.number()))
                .sorted(Comparator.comparingInt((Trial t) -> -t.epochs().size()).thenComparingInt(Trial::number))
                .limit(free).map(Trial::number).toList();
        int launches = (int) Math.max(0, Math.min(free - resumes.size(), spec.maxTrials() - trials.size()));
        if (launches == 0 && active == 0 && held == 0 && trials.size() >= spec.maxTrials()) {
            return new Plan(verdicts.prunes, List.of(), List.of(), List.of(), 0, "SUCCEEDED",
                    "all " + trials.size() + " trials finished", best, false);
        }
        return new Plan(verdicts.prunes, pauses, verdicts.judged(), resumes, launches, null, null, best, false);
    }

    /**
     * The pruner's verdicts on every unfinished trial's epochs after the last one judged, in order, until one is
     * not CONTINUE. Each stop may end another trial's wait (one trial fewer can still come to its rung), so the
     * trials are judged again until no more stop.
     */
    private static final class Verdicts {
        private final StudySpec spec;
        private final List<Trial> trials;
        private final Pruner pruner;
        private final Map<Integer, List<Double>> history = new HashMap<>();
        private final Map<Integer, Integer> judgedEpochs = new HashMap<>();
        private final List<Prune> prunes = new ArrayList<>();
        private final Set<Integer> stopped = new HashSet<>();
        private final Map<Integer, Pause> waiting = new LinkedHashMap<>();

        Verdicts(StudySpec spec, List<Trial> trials) {
            this.spec = spec;
            this.trials = trials;
            this.pruner = Pruners.of(spec.pruner(), spec.objective());
            for (Trial trial : trials) {
                List<Double> values = new ArrayList<>();
                for (EpochMetrics epoch : trial.epochs()) {
                    values.add(spec.objective().epochValue(epoch));
                }
                history.put(trial.number(), values);
                judgedEpochs.put(trial.number(), trial.judgedEpoch());
            }
            boolean stoppedMore = true;
            while (stoppedMore) {
                stoppedMore = false;
                waiting.clear();
                for (Trial trial : trials) {
                    if (trial.unfinished() && !stopped.contains(trial.number())) {
                        stoppedMore |= judge(trial);
                    }
                }
            }
        }

        /** @return whether the trial is stopped */
        private boolean judge(Trial trial) {
            int number = trial.number();
            // A trial past its last epoch is being tested, not trained: nothing left to save by stopping it.
            if (trial.epochs().size() >= trial.maxEpochs()) {
                return false;
            }
            for (int epoch = judgedEpochs.get(number) + 1; epoch <= trial.epochs().size(); epoch++) {
                Pruner.Decision decision = pruner.judge(number, epoch, history, stillComing(epoch));
                switch (decision.verdict()) {
                    case CONTINUE -> judgedEpochs.put(number, epoch);
                    case WAIT -> {
                        waiting.put(number, new Pause(number, epoch, decision.reason()));
                        return false;
                    }
                    case STOP -> {
                        stopped.add(number);
                        prunes.add(new Prune(number, epoch, decision.reason()));
                        return true;
                    }
                }
            }
            return false;
        }

        /** Trials that may still record a value at the epoch: unfinished ones below it, and those not started. */
        private int stillComing(int epoch) {
            long below = trials.stream().filter(t -> t.unfinished() && !stopped.contains(t.number())
                    && t.epochs().size() < epoch && t.maxEpochs() >= epoch).count();
            return (int) below + Math.max(0, spec.maxTrials() - trials.size());
        }

        /** Whether the unfinished trial neither stops nor waits. */
        boolean goesOn(int trial) {
            return !stopped.contains(trial) && !waiting.containsKey(trial);
        }

        List<Judged> judged() {
            return trials.stream().filter(t -> !stopped.contains(t.number())
                    && judgedEpochs.get(t.number()) > t.judgedEpoch())
                    .map(t -> new Judged(t.number(), judgedEpochs.get(t.number()))).toList();
        }

        /** The study ends now: the trials the pruner condemned stop with their reason, the others with the study. */
        Plan ending(String status, String reason, Integer best) {
            return new Plan(prunes, List.of(), List.of(), List.of(), 0, status, reason, best, true);
        }
    }

    /** The completed trial with the best objective value (the lower number wins a tie), or null. */
    public static Integer best(ObjectiveSpec objective, List<Trial> trials) {
        return trials.stream()
                .filter(t -> t.state() == Trial.State.COMPLETED && value(objective, t) != null)
                .reduce((a, b) -> objective.better(value(objective, b), value(objective, a)) ? b : a)
                .map(Trial::number)
                .orElse(null);
    }

    /** The trial's objective value: its best epoch's validation metric, or its test metric; null if none yet. */
    public static Double value(ObjectiveSpec objective, Trial trial) {
        return objective.valueOf(trial.epochs(), trial.test());
    }
}
