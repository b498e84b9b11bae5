package dev.kiln.inference.oip;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.inference.api.InvalidInputException;
import dev.kiln.vision.checkpoints.EvalTransform;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks an inference request's tensor against the model and flattens it: one FP32 input named
 * {@value #INPUT} of shape [N, C, H, W] with exactly N*C*H*W finite numbers. Every refusal names the field.
 */
final class InferenceTensors {

    static final String INPUT = "input";
    static final String PROBABILITIES = "probabilities";
    static final String LABEL = "label";
    static final List<String> OUTPUTS = List.of(PROBABILITIES, LABEL);

    private InferenceTensors() {
    }

    /** The number of images (N) of a valid request. */
    static int images(InferRequest request, EvalTransform transform, int maxImages) {
        if (request == null || request.inputs() == null || request.inputs().size() != 1) {
            throw new InvalidInputException("inputs", "needs exactly one tensor, named '" + INPUT + "'");
        }
        InferRequest.Input input = request.inputs().get(0);
        if (input == null) {
            throw new InvalidInputException("inputs[0]", "must be a tensor: an object with name, shape, datatype and data");
        }
        if (!INPUT.equals(input.name())) {
            throw new InvalidInputException("inputs[0].name", "the model's input is named '" + INPUT + "', not '"
                    + input.name() + "'");
        }
        if (!"FP32".equals(input.datatype())) {
            throw new InvalidInputException("inputs[0].datatype", "the model takes FP32, not " + input.datatype());
        }
        List<Long> expected = List.of((long) transform.channels(), (long) transform.height(), (long) transform.width());
        List<Long> shape = input.shape();
        if (shape == null || shape.size() != 4 || !shape.subList(1, 4).equals(expected) || shape.get(0) == null
                || shape.get(0) < 1) {
            throw new InvalidInputException("inputs[0].shape", "must be [N, " + transform.channels() + ", "
                    + transform.height() + ", " + transform.width() + "] with N >= 1, got " + shape);
        }
        if (shape.get(0) > maxImages) {
            throw new InvalidInputException("inputs[0].shape", shape.get(0) + " images in one request; at most " + maxImages);
        }
        if (request.outputs() != null) {
            for (int i = 0; i < request.outputs().size(); i++) {
                InferRequest.RequestedOutput output = request.outputs().get(i);
                String name = output == null ? null : output.name();
                if (name == null || !OUTPUTS.contains(name)) {
                    throw new InvalidInputException("outputs[" + i + "].name", "the model's outputs are " + OUTPUTS
                            + ", not '" + name + "'");
                }
            }
        }
        return shape.get(0).intValue();
    }

    /**
     * The tensor's elements, flat, checked to be {@code expected} numbers finite in FP32. Counted before the array
     * is made: a short request declaring many images must not make the server allocate for them.
     */
    static float[] data(InferRequest.Input input, int expected) {
        int count = flatten(input.data(), null, 0);
        if (count != expected) {
            throw new InvalidInputException("inputs[0].data", "has " + count + " numbers, the shape " + input.shape()
                    + " needs " + expected);
        }
        float[] values = new float[expected];
        flatten(input.data(), values, 0);
        return values;
    }

    /** Checks the elements and counts them; copies them into {@code into} unless it is null. */
    private static int flatten(JsonNode node, float[] into, int at) {
        if (node == null || !node.isArray()) {
            throw new InvalidInputException("inputs[0].data", "must be an array of numbers (flat or nested)");
        }
        for (JsonNode element : node) {
            if (element.isArray()) {
                at = flatten(element, into, at);
            } else if (element.isNumber() && Float.isFinite(element.floatValue())) {
                if (into != null) {
                    into[at] = element.floatValue();
                }
                at++;
            } else {
                throw new InvalidInputException("inputs[0].data", "element " + at + " is not a finite FP32 number: "
                        + element);
            }
        }
        return at;
    }

    /** The outputs to answer with: those requested, in their order, or all. */
    static List<String> wanted(InferRequest request) {
        if (request.outputs() == null || request.outputs().isEmpty()) {
            return OUTPUTS;
        }
        List<String> names = new ArrayList<>();
        request.outputs().forEach(output -> names.add(output.name()));
        return names;
    }
}
