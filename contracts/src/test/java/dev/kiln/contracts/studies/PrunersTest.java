package dev.kiln.contracts.studies;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class PrunersTest {

    private static final ObjectiveSpec LOSS = new ObjectiveSpec(null, null, null).withDefaults();
    private static final ObjectiveSpec ACCURACY = new ObjectiveSpec("validation.accuracy", null, null).withDefaults();

    /** Trial n's per-epoch values are the n-th argument. */
    private static Map<Integer, List<Double>> history(List<?>... trials) {
        Map<Integer, List<Double>> history = new LinkedHashMap<>();
        for (int i = 0; i < trials.length; i++) {
            history.put(i + 1, trials[i].stream().map(v -> v == null ? null : ((Number) v).doubleValue()).toList());
        }
        return history;
    }

    @Test
    void specsMakeTheirPruners() {
        assertThat(Pruners.of(null, LOSS)).isSameAs(Pruner.NONE);
        assertThat(Pruners.of(new PrunerSpec("none", null, null, null, null, null), LOSS)).isSameAs(Pruner.NONE);
        assertThat(Pruners.of(new PrunerSpec("median", null, null, null, null, null), new ObjectiveSpec("test.accuracy", null, null)))
                .isEqualTo(new MedianStoppingRule(1, 3, new ObjectiveSpec("test.accuracy", "maximize", null)));
        assertThat(Pruners.of(new PrunerSpec("asha", null, null, 2, 4, null), LOSS)).isEqualTo(new Asha(2, 4, 1, LOSS));
        assertThatThrownBy(() -> Pruners.of(new PrunerSpec("hyperband", null, null, null, null, null), LOSS))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Asha(1, 1, 1, LOSS)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new MedianStoppingRule(0, 0, LOSS)).isInstanceOf(IllegalArgumentException.class);
        assertThat(Pruner.NONE.shouldStop(1, 5, history(List.of(9, 9, 9, 9, 9), List.of(0, 0, 0, 0, 0)))).isEmpty();
    }

    @Test
    void medianStopsATrialWorseThanTheMedianOfTheOthers() {
        MedianStoppingRule median = new MedianStoppingRule(1, 3, LOSS);
        Map<Integer, List<Double>> history = history(List.of(0.9, 0.6, 0.5), List.of(0.8, 0.5, 0.41),
                List.of(0.7, 0.45, 0.40), List.of(0.9, 0.8, 0.3), List.of(0.8, 0.6, 0.52));

        assertThat(median.shouldStop(5, 3, history)).contains(
                "pruned at epoch 3: best validation loss 0.52 is worse than the median 0.405 of 4 other trials");
        assertThat(median.shouldStop(3, 3, history)).as("better than the median of the others").isEmpty();
        assertThat(median.shouldStop(1, 3, history)).contains(
                "pruned at epoch 3: best validation loss 0.5 is worse than the median 0.405 of 4 other trials");
    }

    @Test
    void medianWaitsForTheWarmupAndEnoughOtherTrials() {
        Map<Integer, List<Double>> history = history(List.of(0.5, 0.4), List.of(0.5, 0.4), List.of(0.5, 0.4),
                List.of(2.0, 2.0));

        assertThat(new MedianStoppingRule(1, 3, LOSS).shouldStop(4, 1, history)).as("warm-up").isEmpty();
        assertThat(new MedianStoppingRule(0, 3, LOSS).shouldStop(4, 1, history)).isPresent();
        assertThat(new MedianStoppingRule(1, 3, LOSS).shouldStop(4, 2, history)).isPresent();
        assertThat(new MedianStoppingRule(1, 4, LOSS).shouldStop(4, 2, history)).as("only 3 other trials").isEmpty();
        Map<Integer, List<Double>> behind = history(List.of(0.5, 0.4), List.of(0.5, 0.4), List.of(0.5),
                List.of(2.0, 2.0));
        assertThat(new MedianStoppingRule(1, 3, LOSS).shouldStop(4, 2, behind))
                .as("trial 3 has not reached epoch 2").isEmpty();
    }

    @Test
    void medianComparesBestValuesSoFarUpToTheEpoch() {
        MedianStoppingRule median = new MedianStoppingRule(1, 3, LOSS);
        // Trial 4 had a good epoch 1 and a bad epoch 2: its best so far still beats the others'.
        Map<Integer, List<Double>> history = history(List.of(0.6, 0.5, 0.1), List.of(0.6, 0.5, 0.1),
                List.of(0.6, 0.5, 0.1), List.of(0.45, 0.9));

        assertThat(median.shouldStop(4, 2, history)).as("others' later epochs do not count").isEmpty();
        assertThat(median.shouldStop(4, 2, history(List.of(0.6, 0.5), List.of(0.6, 0.5), List.of(0.6, 0.5),
                List.of(0.5, 0.9)))).as("equal to the median goes on").isEmpty();
    }

    @Test
    void medianFollowsTheDirection() {
        MedianStoppingRule median = new MedianStoppingRule(1, 2, ACCURACY);
        Map<Integer, List<Double>> history = history(List.of(0.7, 0.8), List.of(0.7, 0.9), List.of(0.6, 0.75),
                List.of(0.8, 0.95));

        assertThat(median.shouldStop(3, 2, history)).contains(
                "pruned at epoch 2: best validation accuracy 0.75 is worse than the median 0.9 of 3 other trials");
        assertThat(median.shouldStop(4, 2, history)).isEmpty();
    }

    @Test
    void ashaRungsAreMinEpochsTimesPowersOfTheReductionFactor() {
        Asha asha = new Asha(1, 3, 1, LOSS);
        assertThat(IntStream.rangeClosed(1, 100).filter(asha::isRung).boxed().toList()).containsExactly(1, 3, 9, 27, 81);
        Asha later = new Asha(2, 2, 1, LOSS);
        assertThat(IntStream.rangeClosed(1, 40).filter(later::isRung).boxed().toList()).containsExactly(2, 4, 8, 16, 32);
    }

    @Test
    void ashaKeepsTheBestThirdAtEachRung() {
        Asha asha = new Asha(1, 3, 1, LOSS);

        assertThat(asha.shouldStop(1, 1, history(List.of(0.9)))).as("the first at a rung goes on").isEmpty();
        assertThat(asha.shouldStop(2, 1, history(List.of(0.9), List.of(0.4)))).isEmpty();
        assertThat(asha.shouldStop(3, 1, history(List.of(0.9), List.of(0.4), List.of(0.5)))).contains(
                "pruned at epoch 1: validation loss 0.5 is not among the best 1 of the 3 trials at this rung"
                        + " (the cut-off is 0.4)");
        Map<Integer, List<Double>> four = history(List.of(0.9), List.of(0.4), List.of(0.5), List.of(0.45));
        assertThat(asha.shouldStop(4, 1, four)).as("ceil(4 / 3) = 2 go on").isEmpty();
        assertThat(asha.shouldStop(3, 1, four)).isPresent();
    }

    @Test
    void ashaJudgesOnlyAtRungsWithTheValueThere() {
        Asha asha = new Asha(1, 2, 1, LOSS);
        Map<Integer, List<Double>> history = history(List.of(0.5, 0.4, 0.3, 0.2), List.of(0.6, 0.5, 0.45, 0.4));

        assertThat(asha.shouldStop(2, 1, history)).isPresent();
        assertThat(asha.shouldStop(2, 2, history)).isPresent();
        assertThat(asha.shouldStop(2, 3, history)).as("3 is no rung").isEmpty();
        assertThat(asha.shouldStop(1, 2, history)).isEmpty();
        assertThat(asha.shouldStop(1, 4, history(List.of(0.5, 0.4, 0.3, 0.3), List.of(0.6, 0.5, 0.45, 0.3))))
                .as("a tie at the cut-off goes on").isEmpty();
        assertThat(asha.shouldStop(2, 2, history(List.of(0.5, Double.NaN), Arrays.asList(0.6, 0.5))))
                .as("missing values are not compared").isEmpty();
    }

    @Test
    void ashaFollowsTheDirection() {
        Asha asha = new Asha(1, 2, 1, ACCURACY);
        Map<Integer, List<Double>> history = history(List.of(0.8), List.of(0.7), List.of(0.9));

        assertThat(asha.shouldStop(1, 1, history)).as("ceil(3 / 2) = 2 go on").isEmpty();
        assertThat(asha.shouldStop(2, 1, history)).contains("pruned at epoch 1: validation accuracy 0.7 is not among"
                + " the best 2 of the 3 trials at this rung (the cut-off is 0.8)");
        assertThat(asha.shouldStop(3, 1, history)).isEmpty();
    }

    @Test
    void withOneTrialAtARungAshaNeverWaitsAndJudgesAsItStops() {
        Asha asha = new Asha(1, 3, 1, LOSS);
        Map<Integer, List<Double>> three = history(List.of(0.9), List.of(0.4), List.of(0.5));

        assertThat(asha.judge(1, 1, history(List.of(0.9)), 7)).isEqualTo(Pruner.Decision.CONTINUE);
        assertThat(asha.judge(3, 1, three, 7)).isEqualTo(Pruner.Decision.stop(asha.shouldStop(3, 1, three).orElseThrow()));
        assertThat(asha.judge(2, 1, three, 7)).isEqualTo(Pruner.Decision.CONTINUE);
        assertThat(new MedianStoppingRule(0, 1, LOSS).judge(1, 1, three, 5).verdict())
                .as("other pruners never wait").isEqualTo(Pruner.Verdict.STOP);
    }

    @Test
    void ashaWithMinTrialsAtRungWaitsUntilEnoughTrialsReachedTheRungOrNoMoreCan() {
        Asha asha = new Asha(1, 2, 4, LOSS);
        Map<Integer, List<Double>> three = history(List.of(0.9), List.of(0.4), List.of(0.5));

        assertThat(asha.judge(1, 1, three, 5)).isEqualTo(Pruner.Decision.waitFor(
                "waiting at epoch 1: 3 of the 4 trials to compare have reached this rung"));
        assertThat(asha.judge(1, 1, three, 0).verdict()).as("no other trial can come: judged among 3")
                .isEqualTo(Pruner.Verdict.STOP);
        assertThat(asha.judge(2, 1, three, 0).verdict()).isEqualTo(Pruner.Verdict.CONTINUE);
        Map<Integer, List<Double>> four = history(List.of(0.9), List.of(0.4), List.of(0.5), List.of(0.45));
        assertThat(four.keySet()).allSatisfy(trial -> assertThat(asha.judge(trial, 1, four, 3).verdict())
                .isNotEqualTo(Pruner.Verdict.WAIT));
        assertThat(asha.judge(1, 1, four, 3).verdict()).isEqualTo(Pruner.Verdict.STOP);
        assertThat(asha.judge(4, 1, four, 3).verdict()).as("ceil(4 / 2) = 2 go on").isEqualTo(Pruner.Verdict.CONTINUE);
        assertThat(asha.judge(1, 2, history(List.of(0.9, 0.8)), 5)).as("2 is a rung, 3 is not")
                .isEqualTo(Pruner.Decision.waitFor("waiting at epoch 2: 1 of the 4 trials to compare have reached this rung"));
        assertThat(asha.judge(1, 3, history(List.of(0.9, 0.8, 0.7)), 5)).isEqualTo(Pruner.Decision.CONTINUE);
    }

    /**
     * Nine trials with known learning curves (loss = floor + 1.5 x 0.6^epoch, so their order never changes), at
     * most 9 epochs each, three in flight; each round, every running trial trains one epoch and asks the pruner.
     */
    private record Simulation(int[] epochsRun, int totalEpochs) {

        static final double[] FLOORS = {0.9, 0.6, 1.2, 0.4, 1.0, 0.7, 1.4, 0.5, 0.8};
        static final int EPOCHS = 9;

        static Simulation run(Pruner pruner) {
            Map<Integer, List<Double>> history = new LinkedHashMap<>();
            List<Integer> running = new ArrayList<>();
            int next = 1;
            int[] epochsRun = new int[FLOORS.length + 1];
            while (next <= FLOORS.length || !running.isEmpty()) {
                while (running.size() < 3 && next <= FLOORS.length) {
                    history.put(next, new ArrayList<>());
                    running.add(next++);
                }
                for (Integer trial : List.copyOf(running)) {
                    int epoch = ++epochsRun[trial];
                    history.get(trial).add(FLOORS[trial - 1] + 1.5 * Math.pow(0.6, epoch));
                    Optional<String> stop = epoch < EPOCHS ? pruner.shouldStop(trial, epoch, history) : Optional.empty();
                    if (epoch == EPOCHS || stop.isPresent()) {
                        running.remove(trial);
                    }
                }
            }
            return new Simulation(epochsRun, Arrays.stream(epochsRun).sum());
        }
    }

    @Test
    void ashaStopsBadTrialsEarlyAndRunsTheBestToTheEnd() {
        Simulation none = Simulation.run(Pruner.NONE);
        Simulation asha = Simulation.run(Pruners.of(new PrunerSpec("asha", null, null, null, null, null), LOSS));

        assertThat(none.totalEpochs()).isEqualTo(81);
        // Rungs at epochs 1 and 3, the best third goes on. Trials 1 and 2 run to the end because they reached the
        // rungs first, with few to compare against: the price of never waiting (Li et al. 2018, section 3.3). The
        // best (4) and second best (8) run to the end; every later, worse trial stops after one epoch.
        assertThat(Arrays.copyOfRange(asha.epochsRun(), 1, 10)).containsExactly(9, 9, 1, 9, 1, 1, 1, 9, 1);
        assertThat(asha.totalEpochs()).as("epochs spent").isEqualTo(41);
        assertThat(bestFinished(asha)).isEqualTo(bestFinished(none)).isEqualTo(4);
    }

    @Test
    void medianStoppingAlsoSavesEpochsAndKeepsTheBest() {
        Simulation median = Simulation.run(Pruners.of(new PrunerSpec("median", null, null, null, null, null), LOSS));

        // Trials 1 to 3 have no three others to compare with while they run; later trials worse than the
        // median of the others stop after epoch 2, the first after the warm-up.
        assertThat(Arrays.copyOfRange(median.epochsRun(), 1, 10)).containsExactly(9, 9, 9, 9, 2, 9, 2, 9, 2);
        assertThat(median.totalEpochs()).isEqualTo(60);
        assertThat(bestFinished(median)).isEqualTo(4);
    }

    /** The trial with the lowest final loss among those that ran every epoch. */
    private static int bestFinished(Simulation simulation) {
        return IntStream.rangeClosed(1, 9).filter(t -> simulation.epochsRun()[t] == Simulation.EPOCHS).boxed()
                .min((a, b) -> Double.compare(Simulation.FLOORS[a - 1], Simulation.FLOORS[b - 1])).orElseThrow();
    }
}
