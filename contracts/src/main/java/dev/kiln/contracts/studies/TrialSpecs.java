package dev.kiln.contracts.studies;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.contracts.messaging.Json;
import dev.kiln.contracts.runs.Catalog;
import dev.kiln.contracts.runs.TrainingSpec;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Makes a trial's training spec: the study's base with the trial's parameters in place. */
public final class TrialSpecs {

    /** What a searchable field holds, so the validator can refuse a parameter whose values cannot fit it. */
    enum FieldKind {
        WHOLE, NUMBER, TEXT, FLAG
    }

    /** The prefix of model arguments: which ones exist depends on the model (see {@link Catalog}). */
    static final String MODEL_ARGS = "modelArgs.";

    /**
     * The searchable fields besides model arguments, by JSON path. Scalars only: the data set is what the study
     * is about, and list fields (schedule milestones) have no order to search in.
     */
    static final Map<String, FieldKind> FIELDS = fields(
            "learningRate", FieldKind.NUMBER, "batchSize", FieldKind.WHOLE, "epochs", FieldKind.WHOLE,
            "optimizer", FieldKind.TEXT, "momentum", FieldKind.NUMBER, "nesterov", FieldKind.FLAG,
            "weightDecay", FieldKind.NUMBER, "labelSmoothing", FieldKind.NUMBER, "mixupAlpha", FieldKind.NUMBER,
            "gradClipNorm", FieldKind.NUMBER, "normalization", FieldKind.TEXT, "validationSplit", FieldKind.NUMBER,
            "seed", FieldKind.WHOLE, "model", FieldKind.TEXT,
            "augmentation.cropPadding", FieldKind.WHOLE, "augmentation.horizontalFlip", FieldKind.FLAG,
            "augmentation.rotationDegrees", FieldKind.NUMBER, "augmentation.brightness", FieldKind.NUMBER,
            "augmentation.hue", FieldKind.NUMBER, "augmentation.verticalFlip", FieldKind.FLAG,
            "augmentation.scale", FieldKind.NUMBER, "augmentation.contrast", FieldKind.NUMBER,
            "augmentation.saturation", FieldKind.NUMBER, "augmentation.grayscale", FieldKind.NUMBER,
            "earlyStopping.patience", FieldKind.WHOLE,
            "schedule.type", FieldKind.TEXT, "schedule.stepSize", FieldKind.WHOLE, "schedule.gamma", FieldKind.NUMBER,
            "schedule.warmupEpochs", FieldKind.WHOLE, "schedule.patience", FieldKind.WHOLE);

    /**
     * A field of a declarative model's layer: {@code model.layers[0].out}, {@code model.layers[4].layers[1].kernel}
     * (inside a residual block). Group 1: the steps to the layer; group 2: the field.
     */
    static final Pattern LAYER_FIELD = Pattern.compile(
            "model((?:\\.(?:layers|shortcut)\\[\\d{1,3}\\])+)\\.(out|kernel|stride|padding|groups|rate|slope)");
    static final Map<String, FieldKind> LAYER_FIELDS = fields("out", FieldKind.WHOLE, "kernel", FieldKind.WHOLE,
            "stride", FieldKind.WHOLE, "padding", FieldKind.WHOLE, "groups", FieldKind.WHOLE, "rate",
            FieldKind.NUMBER, "slope", FieldKind.NUMBER);
    private static final Pattern STEP = Pattern.compile("\\.(layers|shortcut)\\[(\\d+)\\]");

    private TrialSpecs() {
    }

    /** The layer the steps ({@code .layers[4].layers[1]}) lead to in a spec's JSON tree; null when none does. */
    static ObjectNode layer(JsonNode spec, String steps) {
        JsonNode node = spec.get("model");
        Matcher step = STEP.matcher(steps);
        while (node != null && step.find()) {
            JsonNode list = node.get(step.group(1));
            node = list == null || !list.isArray() ? null : list.get(Integer.parseInt(step.group(2)));
        }
        return node instanceof ObjectNode layer ? layer : null;
    }

    /**
     * The base spec with each named field replaced (a JSON path: {@code learningRate}, {@code modelArgs.c1},
     * {@code augmentation.hue}, a declarative layer's {@code model.layers[0].out}...; an absent {@code modelArgs}, {@code augmentation}, {@code earlyStopping} or
     * {@code schedule} object is created), with its defaults filled in. When {@code model} is searched, the
     * trial keeps only the model arguments its model takes: the base's were filled in for the base's model.
     *
     * @throws IllegalArgumentException for a name that is not a searchable field
     */
    public static TrainingSpec apply(TrainingSpec base, Map<String, Object> parameters) {
        return replace(base, parameters).withDefaults();
    }

    /** {@link #apply} without filling the defaults: what the validator checks, as it would a spec a client sent. */
    static TrainingSpec replace(TrainingSpec base, Map<String, Object> parameters) {
        ObjectNode spec = (ObjectNode) Json.toTree(base);
        parameters.forEach((name, value) -> {
            Matcher layerField = LAYER_FIELD.matcher(name);
            if (layerField.matches()) {
                ObjectNode layer = layer(spec, layerField.group(1));
                if (layer == null) {
                    throw new IllegalArgumentException("'" + name + "' names no layer of the base's model");
                }
                layer.set(layerField.group(2), Json.toTree(value));
                return;
            }
            int dot = name.indexOf('.');
            if (!FIELDS.containsKey(name) && !(name.startsWith(MODEL_ARGS) && dot + 1 < name.length())) {
                throw new IllegalArgumentException("'" + name + "' is not a searchable field of a training spec");
            }
            ObjectNode parent = dot < 0 ? spec : object(spec, name.substring(0, dot));
            parent.set(name.substring(dot + 1), Json.toTree(value));
        });
        if (parameters.get("model") instanceof String model && Catalog.MODELS.contains(model)
                && spec.get("modelArgs") instanceof ObjectNode args) {
            args.retain(Catalog.model(model).args().keySet());
        }
        return Json.fromTree(spec, TrainingSpec.class);
    }

    private static ObjectNode object(ObjectNode spec, String field) {
        JsonNode node = spec.get(field);
        return node instanceof ObjectNode object ? object : spec.putObject(field);
    }

    private static Map<String, FieldKind> fields(Object... pairs) {
        Map<String, FieldKind> map = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            map.put((String) pairs[i], (FieldKind) pairs[i + 1]);
        }
        return Collections.unmodifiableMap(map);
    }
}
