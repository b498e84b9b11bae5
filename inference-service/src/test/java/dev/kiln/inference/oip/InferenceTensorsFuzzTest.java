package dev.kiln.inference.oip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.contracts.messaging.Json;
import dev.kiln.contracts.messaging.MalformedMessageException;
import dev.kiln.inference.api.InvalidInputException;
import dev.kiln.vision.checkpoints.EvalTransform;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Seeded fuzzing of Open Inference Protocol requests: a valid request for a 1x28x28 model, its shape, datatype,
 * names and data mutated (absurd, negative and null dimensions, a billion images, nested and non-numeric data, numbers
 * beyond FP32, null tensors and outputs). Every
 * request must end as a parse error or a 400 naming its field, never another exception, and a request that
 * passes must carry exactly the numbers its shape declares. {@code -Dkiln.fuzz.inputs=N -Dkiln.fuzz.seed=S}
 * (./kiln fuzz) run longer.
 */
class InferenceTensorsFuzzTest {

    private static final int INPUTS = Integer.getInteger("kiln.fuzz.inputs", 1500);
    private static final long SEED = Long.getLong("kiln.fuzz.seed", 20261202L);
    private static final EvalTransform GREY_28 = new EvalTransform(1, 28, 28, List.of(0.1307f), List.of(0.3081f));
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    @Test
    void mutatedRequestsAreAcceptedAsDeclaredOrRefusedByField() {
        Random random = new Random(SEED);
        int accepted = 0;
        for (int i = 0; i < INPUTS; i++) {
            ObjectNode request = valid(1 + random.nextInt(3), random);
            mutate(request, random);
            String text = Json.write(request);
            try {
                InferRequest parsed = Json.read(text, InferRequest.class);
                int images = InferenceTensors.images(parsed, GREY_28, 256);
                float[] data = InferenceTensors.data(parsed.inputs().get(0), images * 28 * 28);
                assertThat(data).hasSize(images * 28 * 28);
                accepted++;
            } catch (MalformedMessageException e) {
                // Not the protocol's JSON: answered 400 by the resource.
            } catch (InvalidInputException e) {
                assertThat(e.getMessage()).as("input %d (seed %d)", i, SEED).doesNotContain("java.");
            } catch (RuntimeException e) {
                fail("input " + i + " (seed " + SEED + ") threw " + e + ": " + abbreviated(text), e);
            }
        }
        assertThat(accepted).as("requests that stayed valid").isPositive();
    }

    private static ObjectNode valid(int images, Random random) {
        ObjectNode input = NODES.objectNode().put("name", "input").put("datatype", "FP32");
        input.set("shape", NODES.arrayNode().add(images).add(1).add(28).add(28));
        ArrayNode data = input.putArray("data");
        for (int k = 0; k < images * 28 * 28; k++) {
            data.add(random.nextFloat());
        }
        ObjectNode request = NODES.objectNode().put("id", "fuzz");
        request.putArray("inputs").add(input);
        return request;
    }

    private static void mutate(ObjectNode request, Random random) {
        ObjectNode input = (ObjectNode) request.get("inputs").get(0);
        switch (random.nextInt(13)) {
            case 0 -> ((ArrayNode) input.get("shape")).set(random.nextInt(4), NODES.numberNode(dimension(random)));
            case 1 -> input.set("shape", NODES.arrayNode().add(dimension(random)));
            case 2 -> input.put("datatype", random.nextBoolean() ? "FP16" : "");
            case 3 -> input.put("name", random.nextBoolean() ? "pixels" : "");
            case 4 -> ((ArrayNode) input.get("data")).set(random.nextInt(input.get("data").size()),
                    random.nextBoolean() ? NODES.textNode("NaN") : NODES.arrayNode().add(NODES.nullNode()));
            case 5 -> input.set("data", random.nextBoolean() ? NODES.textNode("data") : NODES.objectNode());
            case 6 -> ((ArrayNode) input.get("data")).add(1.0);
            case 7 -> ((ArrayNode) request.get("inputs")).add(input.deepCopy());
            case 8 -> ((ArrayNode) input.get("shape")).set(random.nextInt(4), NODES.nullNode());
            case 9 -> ((ArrayNode) request.get("inputs")).set(0, NODES.nullNode());
            case 10 -> ((ArrayNode) input.get("data")).set(random.nextInt(input.get("data").size()),
                    NODES.numberNode(random.nextBoolean() ? 1e39 : -Double.MAX_VALUE));
            case 11 -> request.putArray("outputs").add(random.nextBoolean() ? NODES.nullNode() : NODES.objectNode());
            default -> request.putArray("outputs").addObject().put("name", random.nextBoolean() ? "label" : "logits");
        }
    }

    private static long dimension(Random random) {
        return switch (random.nextInt(5)) {
            case 0 -> 0;
            case 1 -> -random.nextInt(100);
            case 2 -> 1_000_000_000L;
            case 3 -> Long.MAX_VALUE;
            default -> random.nextInt(40);
        };
    }

    private static String abbreviated(String text) {
        return text.length() <= 300 ? text : text.substring(0, 300) + "...";
    }
}
