package dev.kiln.contracts.runs;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.kiln.contracts.architectures.ArchitectureSummary;
import dev.kiln.contracts.architectures.LayerSpec;
import dev.kiln.contracts.architectures.LayerType;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Transfer learning: start from a trained model's weights instead of random ones ({@code "init"} in a spec).
 * Name exactly one base: a registered model version, a run, or (for {@code ./kiln train} only) a checkpoint file.
 * The spec's {@code model} may then be omitted: it is the base's architecture.
 *
 * @param model            a registered model version, {@code digits@3}, or an alias, {@code digits@champion};
 *                         a bare name is its champion
 * @param run              a succeeded run's id: its result checkpoint
 * @param checkpoint       {@code ./kiln train} only: a checkpoint file ({@code model.ckpt} of an earlier run)
 * @param freeze           layers to keep as they are, by the names the model's summary shows ({@code 0}, {@code
 *                         3.layers.1}, or a declarative layer's own {@code name}); a name covers the layers nested
 *                         in it, and {@code *} matches any characters ({@code conv*}, or {@code *} for all). A
 *                         replaced head is never frozen
 * @param unfreezeAtEpoch  train the frozen layers too from this epoch on (2 or later); null: frozen throughout
 * @param headLearningRate the classifier head's own learning rate (the schedule scales it like the others);
 *                         null: the spec's learningRate
 * @param replaceHead      start the head (the last linear layer) from fresh weights sized for this data set's
 *                         classes. Default: true when the base was trained on another data set (its classes
 *                         differ), false on the same one
 * @param base             set by the gateway: the checkpoint the base names, pinned by digest
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record InitSpec(String model, String run, String checkpoint, List<String> freeze, Integer unfreezeAtEpoch,
        Double headLearningRate, Boolean replaceHead, BasePin base) {

    /**
     * The checkpoint a base named, as the gateway pinned it.
     *
     * @param sha256       the checkpoint file's digest (the artifact store's key)
     * @param run          the run that trained it
     * @param modelVersion the registered model version, {@code digits@3}, when the base named one
     * @param dataset      the data set (name@version or built-in name) the base was trained on
     * @param classes      how many classes its head has
     * @param summary      an imported TorchScript base's layers (the module's, with their parameters), which no
     *                     model name describes; absent for a model Kiln built
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record BasePin(String sha256, String run, String modelVersion, String dataset, int classes,
            ArchitectureSummary summary) {

        /** The pin of a base Kiln built, whose layers its spec describes. */
        public static BasePin trained(String sha256, String run, String modelVersion, String dataset, int classes) {
            return new BasePin(sha256, run, modelVersion, dataset, classes, null);
        }

        /**
         * The pin of an imported TorchScript base: the import itself (no run) or a run that fine-tuned one; no data
         * set decides its head, which is always kept.
         */
        public static BasePin imported(String sha256, String run, String modelVersion, int classes,
                ArchitectureSummary summary) {
            return new BasePin(sha256, run, modelVersion, null, classes, summary);
        }
    }

    /** The form of {@link #model}: a registered model's name, optionally {@code @version} or {@code @alias}. */
    public static final Pattern MODEL_REFERENCE = Pattern.compile("[a-z0-9][a-z0-9._-]*(@[a-z0-9][a-z0-9._-]*)?");

    /** Starts from a registered model version ({@code digits@3}) or alias ({@code digits@champion}). */
    public static InitSpec fromModel(String modelVersion) {
        return new InitSpec(modelVersion, null, null, null, null, null, null, null);
    }

    /** Starts from a succeeded run's result. */
    public static InitSpec fromRun(String runId) {
        return new InitSpec(null, runId, null, null, null, null, null, null);
    }

    /** Starts from a checkpoint file ({@code ./kiln train} only). */
    public static InitSpec fromCheckpoint(String file) {
        return new InitSpec(null, null, file, null, null, null, null, null);
    }

    public InitSpec freezing(List<String> layers) {
        return new InitSpec(model, run, checkpoint, layers, unfreezeAtEpoch, headLearningRate, replaceHead, base);
    }

    public InitSpec unfreezingAt(int epoch) {
        return new InitSpec(model, run, checkpoint, freeze, epoch, headLearningRate, replaceHead, base);
    }

    public InitSpec withHeadLearningRate(double rate) {
        return new InitSpec(model, run, checkpoint, freeze, unfreezeAtEpoch, rate, replaceHead, base);
    }

    public InitSpec replacingHead(boolean replace) {
        return new InitSpec(model, run, checkpoint, freeze, unfreezeAtEpoch, headLearningRate, replace, base);
    }

    /** The same init with its base pinned. */
    public InitSpec pinnedTo(BasePin pin) {
        return new InitSpec(model, run, checkpoint, freeze, unfreezeAtEpoch, headLearningRate, replaceHead, pin);
    }

    /** Whether the head starts fresh, for a base trained on {@code baseDataset} with {@code baseClasses} classes. */
    public boolean replacesHead(String baseDataset, int baseClasses, String dataset, int classes) {
        if (replaceHead != null) {
            return replaceHead;
        }
        return baseClasses != classes || baseDataset != null && !datasetName(baseDataset).equals(datasetName(dataset));
    }

    /**
     * Whether the head starts fresh when the pinned base trains on {@code dataset} with {@code classes} classes.
     *
     * @throws IllegalArgumentException when the head is to be kept but has another number of classes
     */
    public boolean replacesPinnedHead(String dataset, int classes) {
        boolean replaced = replacesHead(base.dataset(), base.classes(), dataset, classes);
        if (!replaced && base.classes() != classes) {
            throw new IllegalArgumentException("replaceHead is false, but the base model has " + base.classes()
                    + " classes and " + dataset + " " + classes);
        }
        return replaced;
    }

    private static String datasetName(String dataset) {
        int at = dataset.indexOf('@');
        return at < 0 ? dataset : dataset.substring(0, at);
    }

    /** The classifier head: the model's last linear layer (at the top level of its layout). */
    public static String headLayer(ArchitectureSummary summary) {
        if (summary.layout() == null) {
            // An imported module: its rows are typed by their parameters' shapes.
            for (int i = summary.layers().size() - 1; i >= 0; i--) {
                if (LayerType.LINEAR.json().equals(summary.layers().get(i).type())) {
                    return summary.layers().get(i).name();
                }
            }
            throw new IllegalArgumentException("the model has no linear layer to serve as its classifier head");
        }
        List<LayerSpec> layout = summary.layout();
        for (int i = layout.size() - 1; i >= 0; i--) {
            if (LayerType.LINEAR.json().equals(layout.get(i).type())) {
                return layout.get(i).name();
            }
        }
        throw new IllegalArgumentException("the model has no linear layer to serve as its classifier head");
    }

    /**
     * The names of the layers {@code pattern} selects: its own and those nested in it, residual projections
     * included (the layout has them all, the summary's rows not the projections it adds).
     */
    public static List<String> matching(String pattern, ArchitectureSummary summary) {
        Pattern glob = Pattern.compile(Pattern.quote(pattern).replace("*", "\\E.*\\Q"));
        List<String> names = new ArrayList<>();
        if (summary.layout() == null) {
            // An imported module's rows are its parameterised submodules: a pattern also names their parents.
            summary.layers().forEach(row -> names.add(row.name()));
        } else {
            collectNames(summary.layout(), names);
        }
        Set<String> matched = new LinkedHashSet<>();
        for (String name : names) {
            if (glob.matcher(name).matches() || name.startsWith(pattern + ".")
                    || matched.stream().anyMatch(m -> name.startsWith(m + "."))) {
                matched.add(name);
            }
        }
        return new ArrayList<>(matched);
    }

    private static void collectNames(List<LayerSpec> layers, List<String> names) {
        for (LayerSpec layer : layers) {
            names.add(layer.name());
            if (layer.layers() != null) {
                collectNames(layer.layers(), names);
            }
            if (layer.shortcut() != null) {
                collectNames(layer.shortcut(), names);
            }
        }
    }

    /** Every layer {@link #freeze} selects, less a replaced head. */
    public Set<String> frozenLayers(ArchitectureSummary summary, boolean headReplaced) {
        Set<String> frozen = new LinkedHashSet<>();
        if (freeze != null) {
            freeze.forEach(pattern -> frozen.addAll(matching(pattern, summary)));
        }
        if (headReplaced) {
            frozen.remove(headLayer(summary));
        }
        return frozen;
    }
}
