package dev.kiln.vision.training;

import dev.kiln.contracts.runs.EpochMetrics;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.vision.checkpoints.Checkpoint;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The best epoch and early stopping, on loss sequences whose answer is known. */
class EarlyStoppingTest {

    @Test
    void onlyAStrictlyLowerLossIsAnImprovement() {
        BestEpoch best = new BestEpoch();

        assertThat(offerAll(best, 1.0, 0.8, 0.8, 0.9, 0.7)).containsExactly(true, true, false, false, true);
        assertThat(best.epoch()).isEqualTo(5);
        assertThat(best.loss()).isEqualTo(0.7);
    }

    @Test
    void withoutValidationTheLastEpochIsTheResult() {
        BestEpoch best = new BestEpoch();

        offerAll(best, null, null, null);

        assertThat(best.epoch()).isEqualTo(3);
        assertThat(best.loss()).isNull();
    }

    @Test
    void stopsAfterPatienceEpochsWithoutImprovementAndAnEqualLossDoesNotResetTheCount() {
        // Best at epoch 2 (0.8); epoch 3 equals it, epoch 4 is worse: two epochs without improvement.
        assertThat(stoppedAt(2, 1.0, 0.8, 0.8, 0.9, 0.7)).isEqualTo(4);
        // A strictly lower loss at epoch 4 resets the count: with patience 2 the run goes on to the end.
        assertThat(stoppedAt(2, 1.0, 0.8, 0.85, 0.7, 0.75)).isZero();
        assertThat(stoppedAt(1, 1.0, 1.1)).isEqualTo(2);
    }

    @Test
    void aRestoredBestCarriesOn() {
        BestEpoch restored = new BestEpoch(3, 0.5);

        assertThat(restored.offer(4, 0.5)).isFalse();
        assertThat(restored.epochsSince(4)).isEqualTo(1);
        assertThat(restored.offer(5, 0.4)).isTrue();
    }

    private static List<Boolean> offerAll(BestEpoch best, Double... losses) {
        List<Boolean> improved = new ArrayList<>();
        for (int i = 0; i < losses.length; i++) {
            improved.add(best.offer(i + 1, losses[i]));
        }
        return improved;
    }

    /** The epoch at which EarlyStopping asks to stop, 0 when it never does. */
    private static int stoppedAt(int patience, double... losses) {
        BestEpoch best = new BestEpoch();
        EarlyStopping stopping = new EarlyStopping(patience);
        int[] stoppedAt = {0};
        for (int i = 0; i < losses.length && stoppedAt[0] == 0; i++) {
            int epoch = i + 1;
            best.offer(epoch, losses[i]);
            stopping.onEpoch(new EpochMetrics(epoch, 1, 0.5, losses[i], 0.5, 0.1, 1, 1, 1), new EpochControl() {
                @Override
                public boolean isBest() {
                    return best.epoch() == epoch;
                }

                @Override
                public int epochsSinceBest() {
                    return best.epochsSince(epoch);
                }

                @Override
                public void stop(String reason) {
                    stoppedAt[0] = epoch;
                }

                @Override
                public Checkpoint snapshot() {
                    throw new UnsupportedOperationException("not needed to decide");
                }
            });
        }
        return stoppedAt[0];
    }
}
