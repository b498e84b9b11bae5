package dev.kiln.inference.oip;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/**
 * The Open Inference Protocol v2 inference request (the KServe and Triton JSON form).
 *
 * @param inputs  exactly one tensor, named {@code input}: FP32, shape [N, C, H, W], the model's normalised input
 * @param outputs the outputs wanted ({@code probabilities}, {@code label}); absent: both
 */
public record InferRequest(String id, Map<String, Object> parameters, List<Input> inputs, List<RequestedOutput> outputs) {

    /** @param data the tensor's elements in row-major order, flat or nested */
    public record Input(String name, List<Long> shape, String datatype, Map<String, Object> parameters, JsonNode data) {
    }

    public record RequestedOutput(String name, Map<String, Object> parameters) {
    }
}
