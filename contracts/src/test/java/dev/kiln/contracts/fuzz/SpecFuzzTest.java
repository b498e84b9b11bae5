package dev.kiln.contracts.fuzz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.contracts.messaging.Json;
import dev.kiln.contracts.messaging.MalformedMessageException;
import dev.kiln.contracts.runs.TrainingSpec;
import dev.kiln.contracts.runs.TrainingSpecValidator;
import dev.kiln.contracts.studies.StudySpec;
import dev.kiln.contracts.studies.StudySpecValidator;
import dev.kiln.contracts.validation.FieldError;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Seeded fuzzing of what users write: the example specs and studies, mutated field by field (wrong types, huge and
 * negative numbers, NaN, empty and very long strings, deep nesting, missing and unknown fields). Every input must
 * end as a parse error or a list of field errors, never an exception; and a spec the validator accepts must be
 * usable: its defaults filled and its model summarised without an error. {@code -Dkiln.fuzz.inputs=N} and
 * {@code -Dkiln.fuzz.seed=S} (./kiln fuzz) run longer; a failure prints the seed and the input.
 */
class SpecFuzzTest {

    private static final int INPUTS = Integer.getInteger("kiln.fuzz.inputs", 1500);
    private static final long SEED = Long.getLong("kiln.fuzz.seed", 20261202L);
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    @Test
    void mutatedTrainingSpecsAreRefusedByFieldOrUsable() throws Exception {
        List<JsonNode> seeds = examples(List.of("mnist-sample.json", "fashion-mnist.json", "declarative-mnist-sample.json",
                "fashion-mnist-best.json", "fine-tune-mnist-sample.json"));
        fuzz(seeds, text -> {
            TrainingSpec spec = Json.readStrict(text, TrainingSpec.class);
            List<FieldError> errors = TrainingSpecValidator.validate(spec, "spec");
            if (errors.isEmpty() && spec.init() == null) {
                TrainingSpec complete = spec.withDefaults();
                complete.summary();
            }
            return errors;
        });
    }

    @Test
    void mutatedStudiesAreRefusedByFieldOrUsable() throws Exception {
        List<JsonNode> seeds = examples(List.of("fashion-mnist-study.json", "fashion-mnist-grid-study.json",
                "cifar10-grid-study.json"));
        fuzz(seeds, text -> {
            StudySpec study = Json.readStrict(text, StudySpec.class);
            List<FieldError> errors = StudySpecValidator.validate(study, "");
            if (errors.isEmpty()) {
                study.withDefaults();
            }
            return errors;
        });
    }

    private static void fuzz(List<JsonNode> seeds, Function<String, List<FieldError>> check) {
        Random random = new Random(SEED);
        int parsed = 0;
        int accepted = 0;
        for (int i = 0; i < INPUTS; i++) {
            JsonNode input = seeds.get(random.nextInt(seeds.size())).deepCopy();
            int mutations = 1 + random.nextInt(3);
            for (int m = 0; m < mutations; m++) {
                input = mutate(input, random);
            }
            String text = Json.write(input);
            try {
                List<FieldError> errors = check.apply(text);
                parsed++;
                accepted += errors.isEmpty() ? 1 : 0;
                for (FieldError error : errors) {
                    assertThat(error.field()).as("input %d (seed %d): %s", i, SEED, text).isNotNull();
                    assertThat(error.message()).as("input %d (seed %d): %s", i, SEED, text)
                            .isNotBlank().doesNotContain("java.");
                }
            } catch (MalformedMessageException e) {
                // A document that is not the record: the API answers 400 naming the field.
            } catch (RuntimeException e) {
                fail("input " + i + " (seed " + SEED + ") threw " + e + ": " + text, e);
            }
        }
        // The mutations must reach the validator, and some must pass it, or this proves little.
        assertThat(parsed).as("inputs that parsed").isGreaterThan(INPUTS / 4);
        assertThat(accepted).as("inputs the validator accepted").isPositive();
    }

    /** One mutation somewhere in the tree: a value replaced, a field removed or added, a level nested. */
    private static JsonNode mutate(JsonNode root, Random random) {
        List<JsonNode> containers = new ArrayList<>();
        collect(root, containers);
        JsonNode target = containers.get(random.nextInt(containers.size()));
        if (target instanceof ObjectNode object) {
            List<String> names = new ArrayList<>();
            object.fieldNames().forEachRemaining(names::add);
            int choice = random.nextInt(10);
            if (names.isEmpty() || choice == 0) {
                object.set(random.nextBoolean() ? "surprise" : names.isEmpty() ? "x" : names.get(0) + "x",
                        value(random));
            } else if (choice == 1) {
                object.remove(names.get(random.nextInt(names.size())));
            } else {
                object.set(names.get(random.nextInt(names.size())), value(random));
            }
        } else if (target instanceof ArrayNode array) {
            if (array.isEmpty() || random.nextInt(4) == 0) {
                array.add(value(random));
            } else {
                array.set(random.nextInt(array.size()), value(random));
            }
        }
        return root;
    }

    private static void collect(JsonNode node, List<JsonNode> containers) {
        if (node.isContainerNode()) {
            containers.add(node);
            node.forEach(child -> collect(child, containers));
        }
    }

    private static JsonNode value(Random random) {
        return switch (random.nextInt(16)) {
            case 0 -> NODES.nullNode();
            case 1 -> NODES.numberNode(0);
            case 2 -> NODES.numberNode(-1);
            case 3 -> NODES.numberNode(Integer.MAX_VALUE);
            case 4 -> NODES.numberNode(Long.MIN_VALUE);
            case 5 -> NODES.numberNode(1e308);
            case 6 -> NODES.numberNode(random.nextDouble() * 2);
            case 7 -> NODES.numberNode(random.nextInt(300));
            case 8 -> NODES.textNode("");
            case 9 -> NODES.textNode("NaN");
            case 10 -> NODES.textNode("x".repeat(random.nextInt(5000)));
            case 11 -> NODES.textNode("dröhnen ☃ \u0000");
            case 12 -> NODES.booleanNode(random.nextBoolean());
            case 13 -> NODES.arrayNode().add(NODES.numberNode(random.nextInt(5)));
            case 14 -> NODES.objectNode().set("layers", NODES.arrayNode().add(NODES.objectNode()
                    .put("type", random.nextBoolean() ? "conv2d" : "linear").put("channels", random.nextInt(9) - 1)));
            default -> nested(random.nextInt(64));
        };
    }

    private static JsonNode nested(int depth) {
        JsonNode node = NODES.numberNode(1);
        for (int i = 0; i < depth; i++) {
            node = NODES.arrayNode().add(node);
        }
        return node;
    }

    private static List<JsonNode> examples(List<String> files) throws Exception {
        List<JsonNode> trees = new ArrayList<>();
        for (String file : files) {
            trees.add(Json.read(Files.readString(Path.of("../examples", file)), JsonNode.class));
        }
        return trees;
    }
}
