package dev.kiln.inference.oip;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/** The Open Inference Protocol v2 inference response. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record InferResponse(@JsonProperty("model_name") String modelName,
        @JsonProperty("model_version") String modelVersion, String id, List<Output> outputs) {

    /** @param data row-major: floats for FP32, strings for BYTES */
    public record Output(String name, List<Long> shape, String datatype, Object data) {
    }
}
