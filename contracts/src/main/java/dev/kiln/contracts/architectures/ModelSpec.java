package dev.kiln.contracts.architectures;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.List;
import java.util.Map;

/**
 * A spec's {@code model}: a registry architecture by name ({@code "lenet"}), or a declarative one
 * ({@code {"layers": [...]}}). Exactly one of the two is set. The name {@value #TORCHSCRIPT} is an imported
 * TorchScript model, which a spec takes only from the base it starts from ({@code init}).
 */
public record ModelSpec(String name, List<LayerSpec> layers) {

    /** What a declarative model is called where a name is shown (run lists, logs, checkpoint manifests). */
    public static final String DECLARATIVE = "layers";

    /** An imported TorchScript model: its layers are the module's, known from the base it was pinned to. */
    public static final String TORCHSCRIPT = "torchscript";

    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    public static ModelSpec named(String name) {
        return new ModelSpec(name, null);
    }

    @JsonCreator(mode = JsonCreator.Mode.PROPERTIES)
    public static ModelSpec declared(@JsonProperty("layers") List<LayerSpec> layers) {
        return new ModelSpec(null, layers == null ? List.of() : layers);
    }

    public boolean isDeclarative() {
        return layers != null;
    }

    public boolean isTorchScript() {
        return TORCHSCRIPT.equals(name);
    }

    /** The registry name, or {@value #DECLARATIVE} for a declarative model. */
    public String label() {
        return isDeclarative() ? DECLARATIVE : name;
    }

    @Override
    public String toString() {
        return label();
    }

    @JsonValue
    Object json() {
        return isDeclarative() ? Map.of("layers", layers) : name;
    }
}
