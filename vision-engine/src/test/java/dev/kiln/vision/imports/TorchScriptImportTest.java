package dev.kiln.vision.imports;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.contracts.messaging.Json;
import dev.kiln.contracts.models.ImportManifest;
import dev.kiln.contracts.validation.FieldError;
import dev.kiln.vision.checkpoints.Checkpoint;
import dev.kiln.vision.engine.DjlRuntime;
import dev.kiln.vision.serving.Classifier;
import dev.kiln.vision.serving.ForwardEngine;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * TorchScript models made by PyTorch (traced and scripted, by the fixture script) imported as Kiln checkpoints:
 * served with PyTorch's own outputs, exported back to a file PyTorch loads and runs alike, and every bad import
 * refused naming the problem.
 */
class TorchScriptImportTest {

    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"traced.pt", "scripted.pt"})
    void anImportedModelAnswersWhatPytorchAnswered(String file) throws Exception {
        JsonNode expected = new ObjectMapper().readTree(TorchScriptFixtures.read("expected.json"));
        float[] input = floats(expected.path("input"));
        float[] logits = floats(expected.path("logits"));

        Checkpoint checkpoint = Checkpoint.fromBytes(TorchScriptImport.checkpoint(TorchScriptFixtures.read(file),
                manifest()).toBytes());

        assertThat(checkpoint.manifest().model()).isEqualTo("torchscript");
        assertThat(checkpoint.manifest().classes()).hasSize(10);
        float[] probabilities;
        DjlRuntime.prepareThread();
        // As the inference service loads it: ONNX Runtime asked for, libtorch running the imported module.
        try (Classifier classifier = Classifier.load(checkpoint, Device.cpu(), ForwardEngine.ONNX_RUNTIME)) {
            assertThat(classifier.engine()).isEqualTo(ForwardEngine.LIBTORCH);
            assertThat(classifier.engineFallback()).contains("an imported TorchScript module runs on libtorch");
            probabilities = classifier.probabilities(input, 4);
        }
        float[] pytorch = softmax(logits, 10);
        for (int i = 0; i < pytorch.length; i++) {
            assertThat(probabilities[i]).as("probability %d", i).isCloseTo(pytorch[i],
                    offset(1e-5f));
        }
        Path exported = Files.write(tmp.resolve("exported.pt"), checkpoint.torchScript());
        assertThat(TorchScriptFixtures.checkInPytorch(exported)).as("the export, loaded by torch.jit.load").isNull();
    }

    @Test
    void aFileThatIsNotTorchScriptIsRefused() {
        byte[] notAModel = "a state_dict saved with torch.save is not a TorchScript module".getBytes(
                StandardCharsets.UTF_8);

        assertThatThrownBy(() -> TorchScriptImport.checkpoint(notAModel, manifest()))
                .isInstanceOfSatisfying(TorchScriptImport.ImportException.class, e -> assertThat(e.problems())
                        .singleElement().satisfies(p -> {
                            assertThat(p.field()).isEqualTo("model");
                            assertThat(p.message()).startsWith("not a TorchScript model");
                        }));
    }

    @Test
    void aManifestThatDoesNotMatchTheModelIsRefused() throws Exception {
        byte[] model = TorchScriptFixtures.read("traced.pt");
        ImportManifest fiveClasses = new ImportManifest(1, 28, 28, List.of(0.1307f), List.of(0.3081f),
                List.of("0", "1", "2", "3", "4"));
        ImportManifest colour = new ImportManifest(3, 28, 28, List.of(0.5f, 0.5f, 0.5f), List.of(0.2f, 0.2f, 0.2f),
                manifest().classes());

        assertThat(problems(model, fiveClasses)).singleElement().satisfies(p -> {
            assertThat(p.field()).isEqualTo("manifest.classes");
            assertThat(p.message()).contains("names 5 classes, but the model answers (1, 10)");
        });
        assertThat(problems(model, colour)).singleElement().satisfies(p -> {
            assertThat(p.field()).isEqualTo("manifest");
            assertThat(p.message()).contains("does not run on a 3x28x28 image");
        });
        assertThat(problems(model, new ImportManifest(2, 4, 28, List.of(0f), List.of(0f), List.of("a", "a"))))
                .extracting(FieldError::field).containsExactlyInAnyOrder("manifest.channels", "manifest.height",
                        "manifest.mean", "manifest.std", "manifest.classes[1]");
    }

    private static List<FieldError> problems(byte[] model, ImportManifest manifest) {
        try {
            TorchScriptImport.checkpoint(model, manifest);
        } catch (TorchScriptImport.ImportException e) {
            return e.problems();
        }
        throw new AssertionError("imported");
    }

    private static ImportManifest manifest() throws Exception {
        return Json.readStrict(new String(TorchScriptFixtures.read("manifest.json"), StandardCharsets.UTF_8),
                ImportManifest.class);
    }

    private static float[] floats(JsonNode array) {
        float[] values = new float[array.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) array.get(i).asDouble();
        }
        return values;
    }

    private static float[] softmax(float[] logits, int classes) {
        float[] out = new float[logits.length];
        for (int row = 0; row < logits.length / classes; row++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int k = 0; k < classes; k++) {
                max = Math.max(max, logits[row * classes + k]);
            }
            double sum = 0;
            for (int k = 0; k < classes; k++) {
                sum += Math.exp(logits[row * classes + k] - max);
            }
            for (int k = 0; k < classes; k++) {
                out[row * classes + k] = (float) (Math.exp(logits[row * classes + k] - max) / sum);
            }
        }
        return out;
    }
}
