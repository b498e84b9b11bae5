package dev.kiln.inference.oip;

import java.util.List;

/** The Open Inference Protocol v2 model metadata: what {@code infer} takes and gives. */
public record ModelMetadata(String name, List<String> versions, String platform, List<TensorMetadata> inputs,
        List<TensorMetadata> outputs) {

    /** @param shape -1 for the batch dimension */
    public record TensorMetadata(String name, String datatype, List<Long> shape) {
    }
}
