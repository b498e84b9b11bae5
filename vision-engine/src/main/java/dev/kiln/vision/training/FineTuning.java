package dev.kiln.vision.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import dev.kiln.contracts.architectures.ArchitectureSummary;
import dev.kiln.contracts.runs.InitSpec;
import dev.kiln.contracts.runs.TrainingSpec;
import dev.kiln.vision.checkpoints.Checkpoint;
import dev.kiln.vision.checkpoints.CheckpointException;
import dev.kiln.vision.imports.TorchScriptModule;
import dev.kiln.vision.models.LayerParameters;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Transfer learning in the training loop: the base model's weights copied into the new model (all but a replaced
 * head), the frozen layers held still until {@code unfreezeAtEpoch}, and the head trained at its own rate.
 * Freezing is DJL's: a frozen parameter gets no gradient, so the optimizer never touches it.
 */
final class FineTuning {

    private final InitSpec init;
    private final boolean headReplaced;
    private final String head;
    private final Map<String, List<Parameter>> layers;
    /** The frozen layers' trainable parameters (not BatchNorm's running statistics, which never take gradients). */
    private final List<Parameter> freezable = new ArrayList<>();

    /**
     * @param spec    the run's spec, defaults filled, with a pinned init
     * @param summary the run's model for its data
     * @param block   the run's model, initialised
     */
    FineTuning(TrainingSpec spec, ArchitectureSummary summary, Block block) {
        this.init = spec.init();
        if (init.base() == null) {
            throw new IllegalArgumentException("init names no pinned base model: submit the spec through the gateway");
        }
        this.headReplaced = init.replacesPinnedHead(spec.dataset(), summary.output().get(0));
        this.head = InitSpec.headLayer(summary);
        this.layers = block instanceof TorchScriptModule module ? module.parametersByModule()
                : LayerParameters.of(summary.layout(), block);
        for (String layer : init.frozenLayers(summary, headReplaced)) {
            layers.getOrDefault(layer, List.of()).stream().filter(Parameter::requiresGradient).forEach(freezable::add);
        }
    }

    /**
     * Copies the base model's parameters into {@code block} (initialised; a replaced head keeps its fresh
     * weights). Both are the same architecture, so their parameters pair up in order.
     *
     * @throws IllegalArgumentException when a layer's shape differs (e.g. other image sizes before a linear layer)
     */
    void loadBase(Checkpoint base, Block block, NDManager manager) {
        try (NDManager scope = manager.newSubManager()) {
            Block baseBlock = base.loadBlock(scope);
            List<Parameter> from = baseBlock.getParameters().values();
            List<Parameter> to = block.getParameters().values();
            List<Parameter> headParameters = layers.getOrDefault(head, List.of());
            for (int i = 0; i < to.size(); i++) {
                Parameter target = to.get(i);
                if (headReplaced && headParameters.contains(target)) {
                    continue;
                }
                NDArray source = from.get(i).getArray();
                if (!source.getShape().equals(target.getArray().getShape())) {
                    throw new IllegalArgumentException("the base model does not fit: " + layerOf(target) + " is "
                            + source.getShape() + " in the base model but " + target.getArray().getShape()
                            + " here (were the images another size?)");
                }
                source.toDevice(target.getArray().getDevice(), false).copyTo(target.getArray());
            }
        } catch (CheckpointException e) {
            throw new IllegalArgumentException("the base model does not load: " + e.getMessage(), e);
        }
    }

    /** Freezes the chosen layers for an epoch before {@code unfreezeAtEpoch}, unfreezes them from it on. */
    void prepareEpoch(int epoch) {
        boolean frozen = init.unfreezeAtEpoch() == null || epoch < init.unfreezeAtEpoch();
        freezable.forEach(p -> p.freeze(frozen));
    }

    /** Gives the head its own learning rate, as a multiple of the spec's (so the schedule scales both). */
    void scaleHeadRate(KilnOptimizer optimizer, double learningRate) {
        if (init.headLearningRate() != null) {
            optimizer.scaleLearningRate(layers.getOrDefault(head, List.of()), init.headLearningRate() / learningRate);
        }
    }

    private String layerOf(Parameter parameter) {
        for (Map.Entry<String, List<Parameter>> layer : layers.entrySet()) {
            if (layer.getValue().contains(parameter)) {
                return "layer " + layer.getKey();
            }
        }
        return "parameter " + parameter.getName();
    }
}
