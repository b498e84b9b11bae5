package dev.kiln.vision.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import dev.kiln.vision.NDArrayTest;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

class SoftTargetLossTest extends NDArrayTest {

    /** Two rows of logits over four classes, with labels 2 and 0. */
    private static final float[][] LOGITS = {{0.5f, -1f, 2f, 0f}, {1f, 1f, -0.5f, 3f}};
    private static final long[] LABELS = {2, 0};

    private NDArray logits() {
        return manager.create(LOGITS);
    }

    private NDArray labels() {
        return manager.create(LABELS);
    }

    private double loss(NDArray targets) {
        return new SoftTargetLoss().evaluate(new NDList(targets), new NDList(logits())).getFloat();
    }

    /** log softmax of one row, in double precision. */
    private static double[] logSoftmax(float[] row) {
        double sum = 0;
        for (float z : row) {
            sum += Math.exp(z);
        }
        double[] out = new double[row.length];
        for (int c = 0; c < row.length; c++) {
            out[c] = row[c] - Math.log(sum);
        }
        return out;
    }

    @Test
    void smoothingSpreadsEpsilonOverAllClasses() {
        NDArray targets = SoftTargetLoss.targets(labels(), 4, 0.1);

        // 1 - 0.1 + 0.1 / 4 on the label, 0.1 / 4 elsewhere.
        assertThat(targets.getShape()).isEqualTo(new Shape(2, 4));
        assertThat(targets.toFloatArray()).containsExactly(new float[] {
                0.025f, 0.025f, 0.925f, 0.025f,
                0.925f, 0.025f, 0.025f, 0.025f}, within(1e-6f));
        assertThat(targets.sum(new int[] {1}).toFloatArray()).containsExactly(new float[] {1f, 1f}, within(1e-6f));
    }

    @Test
    void zeroSmoothingIsOneHot() {
        assertThat(SoftTargetLoss.targets(labels(), 4, 0).toFloatArray())
                .containsExactly(0, 0, 1, 0, 1, 0, 0, 0);
    }

    @Test
    void oneHotTargetsGivePlainCrossEntropy() {
        double expected = 0;
        for (int i = 0; i < LABELS.length; i++) {
            expected -= logSoftmax(LOGITS[i])[(int) LABELS[i]];
        }
        expected /= LABELS.length;

        assertThat(loss(SoftTargetLoss.targets(labels(), 4, 0))).isCloseTo(expected, within(1e-5));
    }

    @Test
    void smoothedTargetsGivePyTorchsLabelSmoothingLoss() {
        // CrossEntropyLoss(label_smoothing=eps) = (1 - eps) * NLL(label) + eps * mean over classes of -log p.
        double eps = 0.1;
        double expected = 0;
        for (int i = 0; i < LABELS.length; i++) {
            double[] logP = logSoftmax(LOGITS[i]);
            double uniform = 0;
            for (double lp : logP) {
                uniform -= lp / logP.length;
            }
            expected += (1 - eps) * -logP[(int) LABELS[i]] + eps * uniform;
        }
        expected /= LABELS.length;

        assertThat(loss(SoftTargetLoss.targets(labels(), 4, eps))).isCloseTo(expected, within(1e-5));
    }
}
