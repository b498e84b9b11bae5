package dev.kiln.contracts.architectures;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.contracts.messaging.Json;
import dev.kiln.contracts.runs.TrainingSpec;
import dev.kiln.contracts.runs.TrainingSpecValidator;
import dev.kiln.contracts.validation.FieldError;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code "model": {"layers": [...]}} in a spec: its JSON form, and every problem named by its layer. */
class DeclarativeSpecTest {

    private static final String LENET = """
            {"dataset": "fashion-mnist", "model": {"layers": [
              {"type": "conv2d", "out": 6, "kernel": 5, "padding": 2}, {"type": "relu"}, {"type": "maxpool"},
              {"type": "conv2d", "out": 16, "kernel": 5}, {"type": "relu"}, {"type": "maxpool"},
              {"type": "flatten"}, {"type": "linear", "out": 120}, {"type": "relu"},
              {"type": "linear", "out": 84}, {"type": "relu"}, {"type": "linear"}]}}""";

    @Test
    void aDeclarativeModelReadsAndWritesAsLayersAndANamedOneAsItsName() {
        TrainingSpec spec = Json.readStrict(LENET, TrainingSpec.class);

        assertThat(spec.model().isDeclarative()).isTrue();
        assertThat(spec.model().layers()).hasSize(12);
        assertThat(spec.model().layers().get(0)).isEqualTo(new LayerSpec("conv2d", null, 6, 5, null, 2, null, null,
                null, null, null, null));
        assertThat(Json.toTree(spec).get("model").get("layers").get(2).toString()).isEqualTo("{\"type\":\"maxpool\"}");
        assertThat(Json.read(Json.write(spec), TrainingSpec.class)).isEqualTo(spec);
        assertThat(Json.toTree(TrainingSpec.of("mnist-sample", "lenet", 1, 64, "adam", 0.001, 1L)).get("model")
                .asText()).isEqualTo("lenet");
        assertThat(TrainingSpecValidator.validate(spec, "spec")).isEmpty();
    }

    @Test
    void theSummaryCountsLenetAsPytorchDoes() {
        TrainingSpec spec = Json.readStrict(LENET, TrainingSpec.class);

        ArchitectureSummary summary = ShapeInference.infer(spec.model().layers(), 1, 28, 28, 10, "model",
                new java.util.ArrayList<>()).orElseThrow();

        // torch: conv 156 + conv 2,416 + fc 48,120 + 10,164 + 850 = 61,706
        assertThat(summary.parameters()).isEqualTo(61_706);
        assertThat(summary.layers().get(6).output()).containsExactly(400);
        // multiply-adds: 6*28*28*25 + 16*10*10*150 + 400*120 + 120*84 + 84*10
        assertThat(summary.multiplyAdds()).isEqualTo(117_600 + 240_000 + 48_000 + 10_080 + 840);
        assertThat(summary.layers()).extracting(ArchitectureSummary.Row::name).startsWith("0", "1", "2");
        assertThat(summary.trainingBytes(64)).isGreaterThan(4L * 16 * summary.parameters());
    }

    @Test
    void everyProblemNamesItsLayerAndTheShapesThatDoNotFit() {
        assertThat(errors("""
                [{"type": "conv2d", "out": 8, "kernel": 7}, {"type": "maxpool", "kernel": 4},
                 {"type": "conv2d", "out": 8, "kernel": 7}, {"type": "flatten"}, {"type": "linear"}]"""))
                .singleElement().satisfies(e -> {
                    assertThat(e.field()).isEqualTo("spec.model.layers[2].kernel");
                    assertThat(e.message()).contains("7x7 window").contains("8x5x5");
                });
        assertThat(errors("[{\"type\": \"linear\", \"out\": 10}]")).singleElement()
                .satisfies(e -> assertThat(e.message()).contains("put a flatten before it"));
        assertThat(errors("[{\"type\": \"flatten\"}, {\"type\": \"linear\", \"out\": 5}]")).singleElement()
                .satisfies(e -> {
                    assertThat(e.field()).isEqualTo("spec.model.layers[1].out");
                    assertThat(e.message()).contains("10 classes");
                });
        assertThat(errors("[{\"type\": \"conv3d\"}]")).extracting(FieldError::field)
                .containsExactly("spec.model.layers[0].type");
        assertThat(errors("[{\"type\": \"relu\", \"out\": 3}, {\"type\": \"flatten\"}, {\"type\": \"linear\"}]"))
                .extracting(FieldError::field).containsExactly("spec.model.layers[0].out");
        assertThat(errors("""
                [{"type": "residual", "layers": [{"type": "conv2d", "out": 4, "kernel": 3, "padding": 1}],
                  "shortcut": [{"type": "conv2d", "out": 2, "kernel": 1}]}, {"type": "flatten"}, {"type": "linear"}]"""))
                .singleElement().satisfies(e -> {
                    assertThat(e.field()).isEqualTo("spec.model.layers[0].shortcut");
                    assertThat(e.message()).contains("2x28x28").contains("4x28x28");
                });
        assertThat(errors("[{\"type\": \"conv2d\", \"out\": 4, \"kernel\": 3}]")).singleElement()
                .satisfies(e -> assertThat(e.message()).contains("end with a flatten and a linear head"));
        assertThat(errors("[]")).extracting(FieldError::field).containsExactly("spec.model.layers");
        // Sizes no network has, which would overflow the shapes (found by SpecFuzzTest): refused by field.
        assertThat(errors("[{\"type\": \"conv2d\", \"out\": 2147483647, \"kernel\": 3}, {\"type\": \"flatten\"},"
                + " {\"type\": \"linear\"}]")).singleElement().satisfies(e -> {
                    assertThat(e.field()).isEqualTo("spec.model.layers[0].out");
                    assertThat(e.message()).contains("between 1 and 65536");
                });
        assertThat(errors("[{\"type\": \"conv2d\", \"out\": 65536, \"kernel\": 1, \"padding\": 256},"
                + " {\"type\": \"flatten\"}, {\"type\": \"linear\"}]")).singleElement().satisfies(e -> {
                    assertThat(e.field()).isEqualTo("spec.model.layers[1]");
                    assertThat(e.message()).contains("more than 67108864");
                });
        List<FieldError> withArgs = TrainingSpecValidator.validate(Json.readStrict("""
                {"dataset": "fashion-mnist", "modelArgs": {"c1": 4},
                 "model": {"layers": [{"type": "flatten"}, {"type": "linear"}]}}""", TrainingSpec.class), "spec");
        assertThat(withArgs).extracting(FieldError::field).containsExactly("spec.modelArgs");
    }

    private static List<FieldError> errors(String layers) {
        TrainingSpec spec = Json.readStrict("{\"dataset\": \"fashion-mnist\", \"model\": {\"layers\": " + layers + "}}",
                TrainingSpec.class);
        return TrainingSpecValidator.validate(spec, "spec");
    }
}
