package dev.kiln.vision.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.BaseNDManager;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import dev.kiln.vision.NDArrayTest;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.util.PairList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every update is driven as in training: a real backward pass fills the weight's gradient (which PyTorch
 * accumulates), and {@code step} applies it.
 */
class KilnOptimizerTest extends NDArrayTest {

    private static final float[] START = {1f, -2f, 0.5f, 3f};
    /** loss = sum(C * w^2) / 2, so the gradient is C * w: it changes from step to step. */
    private static final float[] C = {1f, 0.5f, 2f, 0.25f};

    private Parameter parameter(String name, Parameter.Type type) {
        NDArray array = manager.create(START);
        array.setRequiresGradient(true);
        return Parameter.builder().setName(name).setType(type).optArray(array).build();
    }

    private static KilnOptimizer bound(KilnOptimizer optimizer, Parameter... parameters) {
        PairList<String, Parameter> list = new PairList<>();
        for (Parameter p : parameters) {
            list.add(p.getName(), p);
        }
        optimizer.bind(list);
        return optimizer;
    }

    /** One training step on these parameters: backward on the sum of their quadratic losses, then the update. */
    private void step(KilnOptimizer optimizer, Parameter... parameters) {
        backward(parameters);
        optimizer.step();
    }

    private void backward(Parameter... parameters) {
        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            NDArray loss = manager.create(0f);
            for (Parameter parameter : parameters) {
                NDArray w = parameter.getArray();
                loss = loss.add(w.square().mul(manager.create(C)).sum().div(2));
            }
            collector.backward(loss);
        }
    }

    private static float[] values(Parameter parameter) {
        return parameter.getArray().toFloatArray();
    }

    @Test
    void plainSgdStepsAgainstTheGradient() {
        Parameter w = parameter("w", Parameter.Type.WEIGHT);
        KilnOptimizer sgd = bound(new KilnOptimizer("sgd", 0.1, 0, false, 0), w);

        step(sgd, w);

        // g = C * w = {1, -1, 1, 0.75}; w - 0.1 * g
        assertThat(values(w)).containsExactly(new float[] {0.9f, -1.9f, 0.4f, 2.925f}, within(1e-6f));
    }

    @Test
    void momentumBufferStartsAsTheGradient() {
        Parameter w = parameter("w", Parameter.Type.WEIGHT);
        KilnOptimizer sgd = bound(new KilnOptimizer("sgd", 0.1, 0.9, false, 0), w);

        step(sgd, w);
        // PyTorch's first step sets buf = g, so it equals plain SGD.
        assertThat(values(w)).containsExactly(new float[] {0.9f, -1.9f, 0.4f, 2.925f}, within(1e-6f));

        step(sgd, w);
        // g2 = C * w1 = {0.9, -0.95, 0.8, 0.73125}; buf = 0.9 * g1 + g2 = {1.8, -1.85, 1.7, 1.40625}; w1 - 0.1 * buf
        assertThat(values(w)).containsExactly(new float[] {0.72f, -1.715f, 0.23f, 2.784375f}, within(1e-6f));
    }

    @Test
    void nesterovStepsAlongGradientPlusMomentumTimesBuffer() {
        Parameter w = parameter("w", Parameter.Type.WEIGHT);
        KilnOptimizer nesterov = bound(new KilnOptimizer("sgd", 0.1, 0.9, true, 0), w);

        step(nesterov, w);

        // buf = g = {1, -1, 1, 0.75}; direction = g + 0.9 * buf = 1.9 g; w - 0.1 * 1.9 g
        assertThat(values(w)).containsExactly(new float[] {0.81f, -1.81f, 0.31f, 2.8575f}, within(1e-6f));
    }

    @Test
    void adamFirstStepMovesEachWeightByTheRateAgainstItsGradientSign() {
        Parameter w = parameter("w", Parameter.Type.WEIGHT);
        KilnOptimizer adam = bound(new KilnOptimizer("adam", 0.01, 0, false, 0), w);

        step(adam, w);

        // Bias-corrected first step: m_hat = g, v_hat = g^2, so the step is lr * g / (|g| + 1e-8).
        assertThat(values(w)).containsExactly(new float[] {0.99f, -1.99f, 0.49f, 2.99f}, within(1e-6f));
    }

    @Test
    void adamwDecaysTheWeightBeforeTheAdamStep() {
        Parameter w = parameter("w", Parameter.Type.WEIGHT);
        KilnOptimizer adamw = bound(new KilnOptimizer("adamw", 0.01, 0, false, 0.1), w);

        step(adamw, w);

        // w * (1 - 0.01 * 0.1) - 0.01 * sign(g)
        assertThat(values(w)).containsExactly(new float[] {0.989f, -1.988f, 0.4895f, 2.987f}, within(1e-6f));
    }

    @Test
    void adamWeightDecayIsAnL2TermNotADecoupledShrink() {
        Parameter w = parameter("w", Parameter.Type.WEIGHT);
        KilnOptimizer adam = bound(new KilnOptimizer("adam", 0.01, 0, false, 0.1), w);

        step(adam, w);

        // g + 0.1 * w keeps the sign of g, so the first step is still lr * sign; AdamW's shrink would give 0.989...
        assertThat(values(w)).containsExactly(new float[] {0.99f, -1.99f, 0.49f, 2.99f}, within(1e-6f));
    }

    @ParameterizedTest
    @EnumSource(value = Parameter.Type.class, names = {"BIAS", "GAMMA", "BETA"})
    void weightDecayReachesWeightsOnly(Parameter.Type type) {
        Parameter weight = parameter("weight", Parameter.Type.WEIGHT);
        Parameter other = parameter("other", type);
        KilnOptimizer sgd = bound(new KilnOptimizer("sgd", 0.1, 0, false, 0.5), weight, other);

        step(sgd, weight, other);

        // L2: g + 0.5 * w for the weight; the other parameter steps on its gradient alone, as plain SGD.
        assertThat(values(weight)).containsExactly(new float[] {0.85f, -1.8f, 0.375f, 2.775f}, within(1e-6f));
        assertThat(values(other)).containsExactly(new float[] {0.9f, -1.9f, 0.4f, 2.925f}, within(1e-6f));
    }

    @Test
    void adamwSkipsDecayOfNonWeights() {
        Parameter bias = parameter("bias", Parameter.Type.BIAS);
        KilnOptimizer adamw = bound(new KilnOptimizer("adamw", 0.01, 0, false, 0.1), bias);

        step(adamw, bias);

        assertThat(values(bias)).containsExactly(new float[] {0.99f, -1.99f, 0.49f, 2.99f}, within(1e-6f));
    }

    /** Five steps of each optimizer against PyTorch's update rules, computed per element in double precision. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("settings")
    void severalStepsFollowPyTorchsRules(Settings settings) {
        Parameter w = parameter("w", Parameter.Type.WEIGHT);
        KilnOptimizer optimizer = bound(settings.optimizer(), w);
        Reference reference = new Reference(settings);

        for (int t = 1; t <= 5; t++) {
            step(optimizer, w);
            reference.step();
            assertThat(values(w)).as("after step %d", t).containsExactly(reference.weights(), within(1e-5f));
        }
    }

    static Stream<Settings> settings() {
        return Stream.of(
                new Settings("sgd", 0.1, 0, false, 0),
                new Settings("sgd", 0.1, 0.9, false, 0),
                new Settings("sgd", 0.1, 0.9, true, 0),
                new Settings("sgd", 0.1, 0.9, true, 0.05),
                new Settings("adam", 0.05, 0, false, 0),
                new Settings("adam", 0.05, 0, false, 0.05),
                new Settings("adamw", 0.05, 0, false, 0.05));
    }

    /** Every optimizer, with momentum, Nesterov and decay where it has them. */
    static Stream<KilnOptimizer> everyKind() {
        return Stream.of(new KilnOptimizer("sgd", 0.1, 0.9, false, 1e-4), new KilnOptimizer("sgd", 0.1, 0.9, true, 1e-4),
                new KilnOptimizer("adam", 0.01, 0, false, 1e-4), new KilnOptimizer("adamw", 0.01, 0, false, 1e-4));
    }

    @ParameterizedTest
    @MethodSource("everyKind")
    void aStepLeavesNoNewArrayBehindOnceItsStateAndScalarsExist(KilnOptimizer optimizer) {
        Parameter w = parameter("w", Parameter.Type.WEIGHT);
        bound(optimizer, w);
        // Adam's bias corrections are new scalars at every step until the kept ones are as many as allowed.
        for (int t = 0; t <= KilnOptimizer.KEPT_SCALARS; t++) {
            step(optimizer, w);
        }
        backward(w);
        int before = ((BaseNDManager) manager).getManagedArrays().size();

        optimizer.step();

        // Every intermediate result of the update is freed with it, or each step would keep several arrays of
        // every parameter's size until the model closes.
        assertThat(((BaseNDManager) manager).getManagedArrays()).hasSize(before);
    }

    @Test
    void aScaledParameterStepsAtItsOwnRate() {
        Parameter body = parameter("body", Parameter.Type.WEIGHT);
        Parameter head = parameter("head", Parameter.Type.WEIGHT);
        KilnOptimizer sgd = bound(new KilnOptimizer("sgd", 0.1, 0.9, false, 0), body, head);
        // Transfer learning's head rate: ten times the body's.
        sgd.scaleLearningRate(List.of(head), 10);

        step(sgd, body, head);

        // g = {1, -1, 1, 0.75}: the body moves by 0.1 g, the head by 1.0 g.
        assertThat(values(body)).containsExactly(new float[] {0.9f, -1.9f, 0.4f, 2.925f}, within(1e-6f));
        assertThat(values(head)).containsExactly(new float[] {0f, -1f, -0.5f, 2.25f}, within(1e-6f));
    }

    @ParameterizedTest
    @MethodSource("everyKind")
    void aFrozenParameterAndOneWithoutAGradientAreLeftAlone(KilnOptimizer optimizer) {
        Parameter trained = parameter("trained", Parameter.Type.WEIGHT);
        Parameter frozen = parameter("frozen", Parameter.Type.WEIGHT);
        Parameter unused = parameter("unused", Parameter.Type.WEIGHT);
        bound(optimizer, trained, frozen, unused);
        frozen.freeze(true);

        // unused is not in the loss: it has no gradient, as a layer a fine-tuning run bypasses.
        step(optimizer, trained, frozen);
        step(optimizer, trained, frozen);

        assertThat(values(trained)).isNotEqualTo(START);
        assertThat(values(frozen)).containsExactly(START);
        assertThat(values(unused)).containsExactly(START);
        // Only the updates taken count: Adam's bias correction follows them.
        assertThat(optimizer.stepCounts()).isEqualTo(Map.of("trained", 2));
    }

    @Test
    void theRealGradientIsZeroedAfterTheUpdate() {
        Parameter w = parameter("w", Parameter.Type.WEIGHT);
        KilnOptimizer sgd = bound(new KilnOptimizer("sgd", 0.1, 0, false, 0), w);

        step(sgd, w);

        // Otherwise the next backward pass would add to this step's gradient.
        assertThat(w.getArray().getGradient().toFloatArray()).containsOnly(0f);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("resumable")
    void restoredStateGivesTheSameNextUpdateAsAnUninterruptedOptimizer(Settings settings) {
        Parameter original = parameter("w", Parameter.Type.WEIGHT);
        KilnOptimizer uninterrupted = bound(settings.optimizer(), original);
        for (int t = 0; t < 3; t++) {
            step(uninterrupted, original);
        }
        // As a checkpoint carries them: the moments encoded to bytes, the step counts by name.
        byte[] moments = uninterrupted.exportState().encode();
        Map<String, Integer> stepCounts = uninterrupted.stepCounts();

        // Another process: a new parameter object (another id) of the same name, holding the same values.
        Parameter copy = parameter("w", Parameter.Type.WEIGHT);
        copy.getArray().set(values(original));
        KilnOptimizer resumed = bound(settings.optimizer(), copy);
        try (NDManager loading = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            resumed.restore(NDList.decode(loading, moments), stepCounts, manager);
        }

        step(uninterrupted, original);
        step(resumed, copy);

        assertThat(stepCounts).containsEntry("w", 3);
        assertThat(values(copy)).containsExactly(values(original), within(1e-7f));
        assertThat(values(copy)).isNotEqualTo(stepFromScratch(settings, values(original)));
    }

    @Test
    void restoredMomentsAreCopiesNotViewsOfTheCheckpointsArrays() {
        Parameter w = parameter("w", Parameter.Type.WEIGHT);
        KilnOptimizer adam = bound(new KilnOptimizer("adam", 0.05, 0, false, 0), w);
        step(adam, w);
        byte[] moments = adam.exportState().encode();
        KilnOptimizer resumed = bound(new KilnOptimizer("adam", 0.05, 0, false, 0), w);

        try (NDManager loading = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            NDList decoded = NDList.decode(loading, moments);
            resumed.restore(decoded, adam.stepCounts(), manager);
            // The decoded arrays' memory goes away with their manager: the optimizer must not share it.
            decoded.forEach(a -> a.muli(0).addi(123));
        }

        try (NDManager reading = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            NDList expected = NDList.decode(reading, moments);
            NDList restored = resumed.exportState();
            for (int i = 0; i < expected.size(); i++) {
                assertThat(restored.get(i).toFloatArray()).as(restored.get(i).getName())
                        .containsExactly(expected.get(i).toFloatArray());
            }
        }
    }

    static Stream<Settings> resumable() {
        return Stream.of(new Settings("sgd", 0.1, 0.9, true, 0.05), new Settings("adam", 0.05, 0, false, 0.05),
                new Settings("adamw", 0.05, 0, false, 0.05));
    }

    /** What a fresh optimizer (no moments, step 1) would make of the same weights, which a resume must not be. */
    private float[] stepFromScratch(Settings settings, float[] weights) {
        Parameter p = parameter("fresh", Parameter.Type.WEIGHT);
        p.getArray().set(weights);
        step(bound(settings.optimizer(), p), p);
        return values(p);
    }

    @Test
    void anUnboundParameterIsRefused() {
        Parameter w = parameter("w", Parameter.Type.WEIGHT);
        KilnOptimizer sgd = new KilnOptimizer("sgd", 0.1, 0, false, 0);

        assertThatThrownBy(() -> step(sgd, w)).isInstanceOf(IllegalStateException.class).hasMessageContaining("bind()");
    }

    @Test
    void anUnknownKindIsRefused() {
        assertThatThrownBy(() -> new KilnOptimizer("rmsprop", 0.1, 0, false, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("rmsprop");
    }

    record Settings(String kind, double lr, double momentum, boolean nesterov, double weightDecay) {
        KilnOptimizer optimizer() {
            return new KilnOptimizer(kind, lr, momentum, nesterov, weightDecay);
        }

        @Override
        public String toString() {
            return kind + " lr=" + lr + " momentum=" + momentum + (nesterov ? " nesterov" : "") + " wd=" + weightDecay;
        }
    }

    /** torch.optim's SGD, Adam and AdamW (defaults: dampening 0, betas 0.9/0.999, eps 1e-8), element by element. */
    private static final class Reference {
        private final Settings s;
        private final double[] w = new double[START.length];
        private final double[] buf = new double[START.length];
        private final double[] m = new double[START.length];
        private final double[] v = new double[START.length];
        private int t;

        Reference(Settings settings) {
            this.s = settings;
            for (int i = 0; i < w.length; i++) {
                w[i] = START[i];
            }
        }

        void step() {
            t++;
            for (int i = 0; i < w.length; i++) {
                double g = C[i] * w[i];
                if (s.kind().equals("adamw")) {
                    w[i] *= 1 - s.lr() * s.weightDecay();
                } else {
                    g += s.weightDecay() * w[i];
                }
                if (s.kind().equals("sgd")) {
                    buf[i] = t == 1 ? g : s.momentum() * buf[i] + g;
                    double d = s.momentum() == 0 ? g : s.nesterov() ? g + s.momentum() * buf[i] : buf[i];
                    w[i] -= s.lr() * d;
                } else {
                    m[i] = 0.9 * m[i] + 0.1 * g;
                    v[i] = 0.999 * v[i] + 0.001 * g * g;
                    double mHat = m[i] / (1 - Math.pow(0.9, t));
                    double vHat = v[i] / (1 - Math.pow(0.999, t));
                    w[i] -= s.lr() * mHat / (Math.sqrt(vHat) + 1e-8);
                }
            }
        }

        float[] weights() {
            float[] out = new float[w.length];
            for (int i = 0; i < w.length; i++) {
                out[i] = (float) w[i];
            }
            return out;
        }
    }
}
