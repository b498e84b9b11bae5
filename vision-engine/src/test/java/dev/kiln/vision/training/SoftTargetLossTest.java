package dev.kiln.vision.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import dev.kiln.vision.NDArrayTest;
import ai.djl.engine.Engine;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.kiln.vision.engine.DjlRuntime;
import java.util.function.UnaryOperator;
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

    @Test
    void hardLabelsGiveTheOneHotLossAndGradientBitForBit() {
        NDArray labels = manager.randomInteger(0, 10, new Shape(64), DataType.INT64);
        NDArray logits = manager.randomNormal(new Shape(64, 10)).mul(3);
        float[][] soft = lossAndGradient(logits, l -> new SoftTargetLoss().evaluate(
                new NDList(SoftTargetLoss.targets(labels, 10, 0)), new NDList(l)));
        float[][] hard = lossAndGradient(logits, l -> SoftTargetLoss.ofLabels(l, labels));

        assertThat(hard[0]).containsExactly(soft[0]);
        assertThat(hard[1]).containsExactly(soft[1]);
    }

    /** {loss, gradient of the loss with respect to the logits}. */
    private static float[][] lossAndGradient(NDArray logits, UnaryOperator<NDArray> loss) {
        NDArray input = logits.duplicate();
        input.setRequiresGradient(true);
        DjlRuntime.GRADIENTS.lock();
        try (GradientCollector collector = Engine.getEngine(DjlRuntime.ENGINE).newGradientCollector()) {
            NDArray value = loss.apply(input);
            collector.backward(value);
            return new float[][] {value.toFloatArray(), input.getGradient().toFloatArray()};
        } finally {
            DjlRuntime.GRADIENTS.unlock();
        }
    }
}
