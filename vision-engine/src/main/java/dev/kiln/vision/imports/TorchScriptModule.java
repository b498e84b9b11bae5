package dev.kiln.vision.imports;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.ParameterList;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import ai.djl.util.PairList;
import dev.kiln.contracts.architectures.ArchitectureSummary;
import dev.kiln.contracts.architectures.LayerType;
import dev.kiln.vision.checkpoints.Checkpoint;
import dev.kiln.vision.checkpoints.CheckpointException;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An imported TorchScript module as a block Kiln trains: loaded with trainable parameters (DJL loads modules for
 * inference otherwise, and PyTorch then refuses gradients), and with one fixed list of parameters, since
 * {@link PtSymbolBlock} makes new {@link Parameter} objects at every call and the trainer, the optimizer and
 * freezing must all hold the same ones. Forward passes switch the module between training and evaluation mode
 * (BatchNorm, Dropout) as DJL asks. Its parameters serialise as the module itself, so the checkpoint of a
 * fine-tuned import is an import again.
 */
public final class TorchScriptModule extends AbstractBlock {

    private final PtSymbolBlock module;
    private final int classes;
    private final ParameterList parameters;

    private TorchScriptModule(PtSymbolBlock module, int classes) {
        this.module = module;
        this.classes = classes;
        this.parameters = module.getDirectParameters();
    }

    /** The module a TorchScript checkpoint holds, trainable, on {@code manager}'s device. */
    public static TorchScriptModule trainable(Checkpoint checkpoint, NDManager manager) throws CheckpointException {
        Path file = null;
        try {
            // DJL loads a module with trainable parameters only from a file.
            file = Files.createTempFile("kiln-torchscript-", ".pt");
            Files.write(file, checkpoint.torchScript());
            PtSymbolBlock module = JniUtils.loadModule((PtNDManager) manager, file, true, new String[0], new String[0],
                    true);
            return new TorchScriptModule(module, checkpoint.manifest().classes().size());
        } catch (IOException | RuntimeException e) {
            throw new CheckpointException("the TorchScript module does not load for training: " + e.getMessage());
        } finally {
            if (file != null) {
                try {
                    Files.deleteIfExists(file);
                } catch (IOException e) {
                    // A temporary file left behind is harmless; the load's outcome is what matters.
                }
            }
        }
    }

    /**
     * What an imported module is, for freezing and the run view: one row per submodule with parameters, named as
     * PyTorch names it ({@code features.0}), typed by its weight's shape (4 dimensions: conv2d, 2: linear, 1:
     * batchnorm), with its parameters counted. TorchScript does not say the shapes between layers, so only a linear
     * layer's output and multiply-adds are known; there is no layout (a Kiln model's buildable form).
     */
    public static ArchitectureSummary summary(Iterable<Pair<String, Parameter>> parameters, int channels, int height,
            int width, int classes) {
        Map<String, long[]> modules = new LinkedHashMap<>();
        Map<String, Shape> weights = new LinkedHashMap<>();
        for (Pair<String, Parameter> parameter : parameters) {
            String name = parameter.getKey();
            String module = moduleOf(name);
            Shape shape = parameter.getValue().getArray().getShape();
            modules.computeIfAbsent(module, m -> new long[1])[0] += shape.size();
            if (name.endsWith(".weight") || module.equals(name)) {
                weights.putIfAbsent(module, shape);
            }
        }
        List<ArchitectureSummary.Row> rows = new ArrayList<>();
        long total = 0;
        long multiplyAdds = 0;
        for (Map.Entry<String, long[]> module : modules.entrySet()) {
            Shape weight = weights.get(module.getKey());
            int dimensions = weight == null ? 0 : weight.dimension();
            String type = switch (dimensions) {
                case 4 -> LayerType.CONV2D.json();
                case 2 -> LayerType.LINEAR.json();
                case 1 -> LayerType.BATCHNORM.json();
                default -> "module";
            };
            List<Integer> output = dimensions == 2 ? List.of((int) weight.get(0)) : List.of();
            long adds = dimensions == 2 ? weight.size() : 0;
            rows.add(new ArchitectureSummary.Row(module.getKey(), type, output, module.getValue()[0], adds));
            total += module.getValue()[0];
            multiplyAdds += adds;
        }
        return new ArchitectureSummary(List.of(channels, height, width), List.copyOf(rows), total, multiplyAdds,
                List.of(classes), null);
    }

    /** Each summary row's parameters, by the row's name (a submodule's path). */
    public Map<String, List<Parameter>> parametersByModule() {
        Map<String, List<Parameter>> byModule = new LinkedHashMap<>();
        for (Pair<String, Parameter> parameter : parameters) {
            byModule.computeIfAbsent(moduleOf(parameter.getKey()), m -> new ArrayList<>()).add(parameter.getValue());
        }
        return byModule;
    }

    /** The submodule a parameter belongs to, by PyTorch's names: {@code features.0} for {@code features.0.weight}. */
    private static String moduleOf(String parameter) {
        int dot = parameter.lastIndexOf('.');
        return dot < 0 ? parameter : parameter.substring(0, dot);
    }

    @Override
    public ParameterList getDirectParameters() {
        return parameters;
    }

    @Override
    protected NDList forwardInternal(ParameterStore parameterStore, NDList inputs, boolean training,
            PairList<String, Object> params) {
        // The graph executor's optimiser specialises the module on what required gradients when it profiled it;
        // once freezing changes that, its graph fails under evaluation ("inference tensors cannot be saved for
        // backward"). Off on this (the training) thread; serving keeps it.
        JniUtils.setGraphExecutorOptimize(false);
        return module.forward(parameterStore, inputs, training, params);
    }

    @Override
    public void initialize(NDManager manager, DataType dataType, Shape... inputShapes) {
        // Trained already: its parameters have their values.
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape(inputShapes[0].get(0), classes)};
    }

    @Override
    public void saveParameters(DataOutputStream os) throws IOException {
        module.saveParameters(os);
    }

    @Override
    public void loadParameters(NDManager manager, DataInputStream is) {
        throw new UnsupportedOperationException("a TorchScript module is loaded from its checkpoint: trainable()");
    }
}
