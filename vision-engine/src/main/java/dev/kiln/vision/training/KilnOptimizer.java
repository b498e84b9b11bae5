package dev.kiln.vision.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.util.Pair;
import ai.djl.util.PairList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * SGD (momentum, Nesterov), Adam and AdamW with PyTorch's update rules, written with NDArray operations
 * rather than DJL's built-in optimizers for three reasons: DJL's PyTorch engine has no Nesterov, its
 * optimizers decay every parameter (PyTorch recipes skip biases and normalisation parameters), and their
 * state is private, while a resumable checkpoint must hold the moments and step counts.
 * State is keyed by parameter name, which is stable across processes (DJL's parameter ids are not).
 */
public final class KilnOptimizer extends Optimizer {

    private static final double BETA1 = 0.9;
    private static final double BETA2 = 0.999;
    private static final double EPSILON = 1e-8;

    private final String kind;
    private final double momentum;
    private final boolean nesterov;
    private final double weightDecay;
    private final Map<String, String> names = new HashMap<>();
    private final Map<String, Boolean> decays = new HashMap<>();
    private final Map<String, NDArray> first = new LinkedHashMap<>();
    private final Map<String, NDArray> second = new LinkedHashMap<>();
    private final Map<String, Integer> steps = new HashMap<>();
    /** Per-parameter multipliers of the learning rate (the head's own rate in transfer learning), by name. */
    private final Map<String, Double> rateScales = new HashMap<>();
    private double learningRate;

    public KilnOptimizer(String kind, double learningRate, double momentum, boolean nesterov, double weightDecay) {
        super(new Builder());
        if (!kind.equals("sgd") && !kind.equals("adam") && !kind.equals("adamw")) {
            throw new IllegalArgumentException("unknown optimizer '" + kind + "'");
        }
        this.kind = kind;
        this.learningRate = learningRate;
        this.momentum = momentum;
        this.nesterov = nesterov;
        this.weightDecay = weightDecay;
    }

    /**
     * Learns the block's parameter names; only weights (of convolutions and linear layers) are decayed,
     * never biases or BatchNorm's gamma and beta. Call once the block is initialised.
     */
    public void bind(PairList<String, Parameter> parameters) {
        for (Pair<String, Parameter> p : parameters) {
            names.put(p.getValue().getId(), p.getKey());
            decays.put(p.getKey(), p.getValue().getType() == Parameter.Type.WEIGHT);
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

    @Override
    public void update(String parameterId, NDArray weight, NDArray grad) {
        String name = names.get(parameterId);
        if (name == null) {
            throw new IllegalStateException("parameter " + parameterId + " is unknown: call bind() after initialising");
        }
        double decay = decays.get(name) ? weightDecay : 0.0;
        double rate = learningRate * rateScales.getOrDefault(name, 1.0);
        int step = steps.merge(name, 1, Integer::sum);
        NDManager owner = weight.getManager();
        try (NDManager scope = weight.getManager().newSubManager()) {
            // Temporarily owned by the scope, so every intermediate result is freed when it closes.
            scope.tempAttachAll(weight, grad);
            NDArray g = grad;
            if (decay > 0 && !kind.equals("adamw")) {
                g = g.add(weight.mul(decay));
            }
            if (kind.equals("sgd")) {
                sgd(name, weight, g, rate, owner, scope);
            } else {
                if (decay > 0 && kind.equals("adamw")) {
                    // Decoupled decay; plain Adam already has its L2 term in g.
                    weight.muli(1 - rate * decay);
                }
                adam(name, weight, g, step, rate, owner, scope);
            }
            // DJL hands the optimizer a copy of the gradient; PyTorch accumulates into the real one, so reset that.
            try (NDArray accumulated = weight.getGradient()) {
                accumulated.subi(accumulated);
            }
        }
    }

    private void sgd(String name, NDArray weight, NDArray g, double rate, NDManager owner, NDManager scope) {
        if (momentum == 0) {
            weight.subi(g.mul(rate));
            return;
        }
        NDArray buffer = state(first, name, weight, owner, scope);
        buffer.muli(momentum).addi(g);
        NDArray direction = nesterov ? g.add(buffer.mul(momentum)) : buffer;
        weight.subi(direction.mul(rate));
    }

    private void adam(String name, NDArray weight, NDArray g, int step, double rate, NDManager owner,
            NDManager scope) {
        NDArray m = state(first, name, weight, owner, scope);
        NDArray v = state(second, name, weight, owner, scope);
        m.muli(BETA1).addi(g.mul(1 - BETA1));
        v.muli(BETA2).addi(g.square().muli(1 - BETA2));
        double correction1 = 1 - Math.pow(BETA1, step);
        double correction2 = 1 - Math.pow(BETA2, step);
        NDArray denominator = v.div(correction2).sqrt().addi(EPSILON);
        weight.subi(m.div(denominator).muli(rate / correction1));
    }

    /**
     * A moment buffer, owned by the weight's own manager (the model's), and lent to the update's scope while it
     * runs: an operation's result belongs to its input's manager, so {@code v.div(c)} would otherwise be a new
     * array of the model's, freed only with the model (hundreds of MB per epoch).
     */
    private static NDArray state(Map<String, NDArray> states, String name, NDArray weight, NDManager owner,
            NDManager scope) {
        NDArray state = states.computeIfAbsent(name, k -> {
            NDArray zeros = weight.zerosLike();
            zeros.attach(owner);
            return zeros;
        });
        scope.tempAttachAll(state);
        return state;
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

    private static final class Builder extends OptimizerBuilder<Builder> {
        @Override
        protected Builder self() {
            return this;
        }
    }
}
