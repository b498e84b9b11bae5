package dev.kiln.vision.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.util.Pair;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * SGD (momentum, Nesterov), Adam and AdamW with PyTorch's update rules, written with NDArray operations
 * rather than DJL's built-in optimizers for three reasons: DJL's PyTorch engine has no Nesterov, its
 * optimizers decay every parameter (PyTorch recipes skip biases and normalisation parameters), and their
 * state is private, while a resumable checkpoint must hold the moments and step counts.
 * State is keyed by parameter name, which is stable across processes (DJL's parameter ids are not).
 *
 * <p>{@link #step()} updates the parameters in place from their real gradients, as {@code torch.optim} does,
 * instead of through {@code Trainer.step()}: DJL's parameter server copies every gradient first, and every
 * operation with a Java number copies the number into a new native array. For a small network those fixed costs
 * were most of the step (issue 18: the MLP's update took longer than its forward pass); the scalars here are
 * made once and kept.
 */
public final class KilnOptimizer {

    private static final double BETA1 = 0.9;
    private static final double BETA2 = 0.999;
    private static final double EPSILON = 1e-8;
    /** Distinct scalars kept: the rates, the constants and Adam's corrections of the last few steps. */
    static final int KEPT_SCALARS = 64;

    private enum Kind {
        SGD, ADAM, ADAMW
    }

    /** A trainable parameter and what its update needs to know of it. */
    private record Slot(String name, Parameter parameter, boolean decays) {
    }

    private final Kind kind;
    private final double momentum;
    private final boolean nesterov;
    private final double weightDecay;
    private final List<Slot> slots = new ArrayList<>();
    private final Map<String, String> names = new HashMap<>();
    private final Map<String, NDArray> first = new LinkedHashMap<>();
    private final Map<String, NDArray> second = new LinkedHashMap<>();
    private final Map<String, Integer> steps = new HashMap<>();
    /** Per-parameter multipliers of the learning rate (the head's own rate in transfer learning), by name. */
    private final Map<String, Double> rateScales = new HashMap<>();
    /** float32 scalars on the parameters' device, by value; the least recently used is closed beyond the bound. */
    private final Map<Double, NDArray> scalars = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Double, NDArray> eldest) {
            if (size() <= KEPT_SCALARS) {
                return false;
            }
            eldest.getValue().close();
            return true;
        }
    };
    private double learningRate;

    public KilnOptimizer(String kind, double learningRate, double momentum, boolean nesterov, double weightDecay) {
        this.kind = switch (kind) {
            case "sgd" -> Kind.SGD;
            case "adam" -> Kind.ADAM;
            case "adamw" -> Kind.ADAMW;
            default -> throw new IllegalArgumentException("unknown optimizer '" + kind + "'");
        };
        this.learningRate = learningRate;
        this.momentum = momentum;
        this.nesterov = nesterov;
        this.weightDecay = weightDecay;
    }

    /**
     * Takes the block's parameters, the ones {@link #step()} updates; only weights (of convolutions and linear
     * layers) are decayed, never biases or BatchNorm's gamma and beta. Call once the block is initialised.
     */
    public void bind(PairList<String, Parameter> parameters) {
        for (Pair<String, Parameter> p : parameters) {
            names.put(p.getValue().getId(), p.getKey());
            slots.add(new Slot(p.getKey(), p.getValue(), p.getValue().getType() == Parameter.Type.WEIGHT));
        }
    }

    /** Trains these parameters at {@code factor} times the (scheduled) learning rate. Call after {@link #bind}. */
    public void scaleLearningRate(Iterable<Parameter> parameters, double factor) {
        for (Parameter parameter : parameters) {
            rateScales.put(names.get(parameter.getId()), factor);
        }
    }

    public void setLearningRate(double learningRate) {
        this.learningRate = learningRate;
    }

    public double learningRate() {
        return learningRate;
    }

    /**
     * Updates every bound parameter that is not frozen from the gradient its backward passes accumulated, then
     * zeroes that gradient (PyTorch accumulates into it). A parameter without a gradient is skipped, as
     * {@code torch.optim} skips one whose {@code grad} is None.
     */
    public void step() {
        if (slots.isEmpty()) {
            throw new IllegalStateException("no parameters to update: call bind() once the block is initialised");
        }
        for (Slot slot : slots) {
            Parameter parameter = slot.parameter();
            if (!parameter.requiresGradient()) {
                continue;
            }
            PtNDArray weight = (PtNDArray) parameter.getArray();
            // The gradient itself, not DJL's copy of it (NDArray.getGradient() asks the engine twice as well).
            PtNDArray gradient = JniUtils.getGradient(weight);
            if (gradient == null) {
                continue;
            }
            try (gradient) {
                update(slot, weight, gradient);
            }
            JniUtils.zeroGrad(weight);
        }
    }

    /** One parameter's update; {@code gradient} is its real gradient, free to change, as it is zeroed next. */
    private void update(Slot slot, NDArray weight, NDArray gradient) {
        String name = slot.name();
        double decay = slot.decays() ? weightDecay : 0.0;
        double rate = learningRate * rateScales.getOrDefault(name, 1.0);
        int step = steps.merge(name, 1, Integer::sum);
        if (decay > 0 && kind != Kind.ADAMW) {
            // L2: the gradient of decay/2 * |w|^2 joins the loss's.
            try (NDArray l2 = weight.mul(scalar(decay, weight))) {
                gradient.addi(l2);
            }
        }
        switch (kind) {
            case SGD -> sgd(name, weight, gradient, rate);
            case ADAM -> adam(name, weight, gradient, step, rate);
            case ADAMW -> {
                if (decay > 0) {
                    // Decoupled decay; plain Adam has its L2 term in the gradient.
                    weight.muli(scalar(1 - rate * decay, weight));
                }
                adam(name, weight, gradient, step, rate);
            }
        }
    }

    private void sgd(String name, NDArray weight, NDArray gradient, double rate) {
        NDArray direction = gradient;
        if (momentum != 0) {
            NDArray buffer = state(first, name, weight);
            buffer.muli(scalar(momentum, weight)).addi(gradient);
            direction = buffer;
            if (nesterov) {
                try (NDArray ahead = buffer.mul(scalar(momentum, weight))) {
                    direction = gradient.addi(ahead);
                }
            }
        }
        try (NDArray delta = direction.mul(scalar(rate, weight))) {
            weight.subi(delta);
        }
    }

    private void adam(String name, NDArray weight, NDArray gradient, int step, double rate) {
        NDArray m = state(first, name, weight);
        NDArray v = state(second, name, weight);
        try (NDArray scaled = gradient.mul(scalar(1 - BETA1, weight))) {
            m.muli(scalar(BETA1, weight)).addi(scaled);
        }
        try (NDArray squared = gradient.square()) {
            v.muli(scalar(BETA2, weight)).addi(squared.muli(scalar(1 - BETA2, weight)));
        }
        double correction1 = 1 - Math.pow(BETA1, step);
        double correction2 = 1 - Math.pow(BETA2, step);
        try (NDArray corrected = v.div(scalar(correction2, weight));
                NDArray denominator = corrected.sqrt();
                NDArray delta = m.div(denominator.addi(scalar(EPSILON, weight)))) {
            weight.subi(delta.muli(scalar(rate / correction1, weight)));
        }
    }

    /**
     * A float32 scalar on the weight's device. PyTorch reads a one-element operand as its computation type, so
     * the result is the same as with the float64 array DJL would make for a Java double.
     */
    private NDArray scalar(double value, NDArray like) {
        return scalars.computeIfAbsent(value, v -> like.getManager().create((float) value));
    }

    /** A moment buffer, owned by the weight's manager (the model's), as long as the model lives. */
    private static NDArray state(Map<String, NDArray> states, String name, NDArray weight) {
        return states.computeIfAbsent(name, k -> weight.zerosLike());
    }

    /** The moments, named "first/NAME" and "second/NAME", for a checkpoint. */
    public NDList exportState() {
        NDList list = new NDList();
        first.forEach((name, array) -> list.add(named(array, "first/" + name)));
        second.forEach((name, array) -> list.add(named(array, "second/" + name)));
        return list;
    }

    public Map<String, Integer> stepCounts() {
        return Map.copyOf(steps);
    }

    /**
     * Restores what {@link #exportState()} and {@link #stepCounts()} gave; the arrays are copied to the model's
     * device and owned by {@code owner}, so the state may be closed afterwards.
     */
    public void restore(NDList state, Map<String, Integer> stepCounts, NDManager owner) {
        for (NDArray array : state) {
            String[] parts = array.getName().split("/", 2);
            // A real copy: on the same device toDevice returns an alias of the decoded array, whose memory is
            // freed with it (a crash later, when the collector reclaims the buffer).
            NDArray copy = array.toDevice(owner.getDevice(), false).duplicate();
            copy.attach(owner);
            (parts[0].equals("first") ? first : second).put(parts[1], copy);
        }
        steps.clear();
        steps.putAll(stepCounts);
    }

    private static NDArray named(NDArray array, String name) {
        array.setName(name);
        return array;
    }
}
