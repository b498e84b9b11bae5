package dev.kiln.contracts.architectures;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** The layers a declarative architecture is made of, with the fields each reads. */
public enum LayerType {
    CONV2D("out", "kernel", "stride", "padding", "groups", "bias"),
    BATCHNORM,
    RELU,
    LEAKYRELU("slope"),
    GELU,
    SILU,
    MAXPOOL("kernel", "stride", "padding"),
    AVGPOOL("kernel", "stride", "padding"),
    ADAPTIVEAVGPOOL,
    DROPOUT("rate"),
    FLATTEN,
    LINEAR("out", "bias"),
    RESIDUAL("layers", "shortcut");

    private final List<String> fields;

    LayerType(String... fields) {
        this.fields = List.of(fields);
    }

    /** The name a spec uses. */
    public String json() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The optional fields this type reads (besides type and name). */
    public List<String> fields() {
        return fields;
    }

    public static Optional<LayerType> of(String json) {
        return Arrays.stream(values()).filter(t -> t.json().equals(json)).findFirst();
    }

    public static List<String> names() {
        return Arrays.stream(values()).map(LayerType::json).toList();
    }
}
