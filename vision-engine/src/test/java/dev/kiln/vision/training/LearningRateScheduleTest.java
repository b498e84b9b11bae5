package dev.kiln.vision.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.kiln.contracts.runs.ScheduleSpec;
import dev.kiln.vision.training.LearningRateSchedule.PlateauState;
import java.util.List;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

class LearningRateScheduleTest {

    private static final double LR = 0.1;
    private static final Offset<Double> EXACT = within(1e-12);

    private static LearningRateSchedule schedule(ScheduleSpec spec, int epochs) {
        return new LearningRateSchedule(spec.withDefaults(), LR, epochs);
    }

    private static LearningRateSchedule plateau(int patience, double gamma) {
        return schedule(new ScheduleSpec("plateau", null, gamma, null, null, patience), 100);
    }

    /** Feeds accuracies and returns the rate of the next epoch after each one. */
    private static double[] ratesAfter(LearningRateSchedule schedule, double... accuracies) {
        double[] rates = new double[accuracies.length];
        for (int i = 0; i < accuracies.length; i++) {
            schedule.observe(accuracies[i]);
            rates[i] = schedule.rateFor(i + 2);
        }
        return rates;
    }

    @Test
    void noneKeepsTheRate() {
        LearningRateSchedule none = schedule(ScheduleSpec.NONE, 10);

        assertThat(none.rateFor(1)).isEqualTo(LR);
        assertThat(none.rateFor(10)).isEqualTo(LR);
    }

    @Test
    void stepMultipliesByGammaEveryStepSizeEpochs() {
        LearningRateSchedule step = schedule(new ScheduleSpec("step", 5, 0.9, null, null, null), 20);

        for (int epoch = 1; epoch <= 5; epoch++) {
            assertThat(step.rateFor(epoch)).as("epoch %d", epoch).isCloseTo(LR, EXACT);
        }
        for (int epoch = 6; epoch <= 10; epoch++) {
            assertThat(step.rateFor(epoch)).as("epoch %d", epoch).isCloseTo(0.09, EXACT);
        }
        assertThat(step.rateFor(11)).isCloseTo(0.081, EXACT);
        assertThat(step.rateFor(20)).isCloseTo(0.0729, EXACT);
    }

    @Test
    void multistepDropsAfterEachMilestoneEpoch() {
        LearningRateSchedule multistep = schedule(new ScheduleSpec("multistep", null, 0.1, List.of(50, 70), null, null), 100);

        // PyTorch's MultiStepLR([50, 70]) after 50 scheduler steps: epoch 51 (counting from 1) is the first at lr/10.
        assertThat(multistep.rateFor(1)).isCloseTo(0.1, EXACT);
        assertThat(multistep.rateFor(50)).isCloseTo(0.1, EXACT);
        assertThat(multistep.rateFor(51)).isCloseTo(0.01, EXACT);
        assertThat(multistep.rateFor(70)).isCloseTo(0.01, EXACT);
        assertThat(multistep.rateFor(71)).isCloseTo(0.001, EXACT);
        assertThat(multistep.rateFor(100)).isCloseTo(0.001, EXACT);
    }

    @Test
    void multistepGammaDefaultsToATenth() {
        LearningRateSchedule multistep = schedule(new ScheduleSpec("multistep", null, null, List.of(2), null, null), 4);

        assertThat(multistep.rateFor(3)).isCloseTo(0.01, EXACT);
    }

    @Test
    void cosineAnnealsFromTheRateToZeroOverTheEpochs() {
        LearningRateSchedule cosine = schedule(new ScheduleSpec("cosine", null, null, null, null, null), 10);

        // CosineAnnealingLR(T_max=10), epoch e uses t = e - 1: lr * (1 + cos(pi * t / 10)) / 2.
        assertThat(cosine.rateFor(1)).isCloseTo(LR, EXACT);
        assertThat(cosine.rateFor(3)).isCloseTo(LR * 0.9045084971874737, EXACT);
        assertThat(cosine.rateFor(6)).isCloseTo(LR / 2, EXACT);
        assertThat(cosine.rateFor(10)).isCloseTo(LR * 0.024471741852423234, EXACT);
        for (int epoch = 2; epoch <= 10; epoch++) {
            assertThat(cosine.rateFor(epoch)).isLessThan(cosine.rateFor(epoch - 1));
        }
    }

    @Test
    void warmupRampsLinearlyBeforeTheSchedule() {
        LearningRateSchedule warm = schedule(new ScheduleSpec("none", null, null, null, 3, null), 10);

        assertThat(warm.rateFor(1)).isCloseTo(LR / 4, EXACT);
        assertThat(warm.rateFor(2)).isCloseTo(LR / 2, EXACT);
        assertThat(warm.rateFor(3)).isCloseTo(LR * 3 / 4, EXACT);
        assertThat(warm.rateFor(4)).isCloseTo(LR, EXACT);
        assertThat(warm.rateFor(10)).isCloseTo(LR, EXACT);
    }

    @Test
    void warmupMultipliesTheScheduledRate() {
        LearningRateSchedule warmStep = schedule(new ScheduleSpec("step", 1, 0.5, null, 1, null), 10);

        assertThat(warmStep.rateFor(1)).isCloseTo(LR / 2, EXACT);
        assertThat(warmStep.rateFor(2)).isCloseTo(LR / 2, EXACT);
        assertThat(warmStep.rateFor(3)).isCloseTo(LR / 4, EXACT);
    }

    @Test
    void plateauReducesAfterPatiencePlusOneEpochsWithoutImprovement() {
        LearningRateSchedule plateau = plateau(2, 0.5);

        assertThat(plateau.rateFor(1)).isEqualTo(LR);
        // 0.5 improves on nothing seen; then an equal, a worse and an equal accuracy are three bad epochs.
        double[] rates = ratesAfter(plateau, 0.5, 0.5, 0.4, 0.5);

        assertThat(rates).containsExactly(new double[] {LR, LR, LR, LR / 2}, EXACT);
        assertThat(plateau.plateauState()).isEqualTo(new PlateauState(0.5, 0.5, 0));
    }

    @Test
    void plateauCounterRestartsOnStrictImprovementAndAfterAReduction() {
        LearningRateSchedule plateau = plateau(2, 0.5);

        double[] rates = ratesAfter(plateau,
                0.60, 0.55, 0.55, // two bad epochs: not yet
                0.61,             // strict improvement: the count starts again
                0.50, 0.50, 0.50, // the third bad epoch reduces
                0.50, 0.50, 0.50  // and three more reduce again
        );

        assertThat(rates).containsExactly(new double[] {LR, LR, LR, LR, LR, LR, LR / 2, LR / 2, LR / 2, LR / 4}, EXACT);
        assertThat(plateau.plateauState().best()).isEqualTo(0.61);
    }

    @Test
    void patienceZeroReducesOnEveryNonImprovingEpoch() {
        LearningRateSchedule plateau = plateau(0, 0.1);

        assertThat(ratesAfter(plateau, 0.9, 0.9, 0.95, 0.8)).containsExactly(new double[] {LR, 0.01, 0.01, 0.001}, EXACT);
    }

    @Test
    void restoredPlateauStateContinuesLikeTheOriginal() {
        LearningRateSchedule original = plateau(2, 0.5);
        ratesAfter(original, 0.7, 0.6, 0.6);

        LearningRateSchedule resumed = plateau(2, 0.5);
        resumed.restore(original.plateauState());

        assertThat(resumed.plateauState()).isEqualTo(new PlateauState(1.0, 0.7, 2));
        // One more bad epoch: both reduce now, which a fresh schedule would not.
        original.observe(0.6);
        resumed.observe(0.6);
        assertThat(resumed.rateFor(5)).isEqualTo(original.rateFor(5)).isCloseTo(LR / 2, EXACT);
        assertThat(resumed.plateauState()).isEqualTo(original.plateauState());
    }

    @Test
    void otherSchedulesIgnoreObservedAccuracy() {
        LearningRateSchedule step = schedule(new ScheduleSpec("step", 5, 0.5, null, null, null), 10);

        for (double accuracy : new double[] {0.5, 0.4, 0.3, 0.2}) {
            step.observe(accuracy);
        }

        assertThat(step.rateFor(2)).isEqualTo(LR);
        assertThat(step.plateauState()).isEqualTo(PlateauState.START);
    }
}
