package dev.kiln.vision.imports;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import dev.kiln.contracts.architectures.ArchitectureSummary;
import dev.kiln.contracts.architectures.ModelSpec;
import dev.kiln.contracts.messaging.Json;
import dev.kiln.contracts.models.ImportManifest;
import dev.kiln.contracts.runs.InitSpec;
import dev.kiln.contracts.runs.TrainingSpec;
import dev.kiln.contracts.runs.TrainingSpecValidator;
import dev.kiln.contracts.validation.FieldError;
import dev.kiln.vision.RepoFiles;
import dev.kiln.vision.checkpoints.Checkpoint;
import dev.kiln.vision.engine.DjlRuntime;
import dev.kiln.vision.models.MemoryFormat;
import dev.kiln.vision.pipeline.TrainTestData;
import dev.kiln.vision.training.ClassifierTraining;
import dev.kiln.vision.training.TrainingResult;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * An imported TorchScript model (the fixture script's CNN, made by PyTorch) fine-tuned on real digits: its
 * convolutions frozen by their PyTorch names, its classifier trained. The frozen weights come out bit for bit as
 * imported, the classifier learns the digits, and the result is a TorchScript checkpoint again.
 */
class TorchScriptFineTuningTest {

    private static TrainTestData digits;
    private static Checkpoint imported;

    @BeforeAll
    static void importTheModel() throws Exception {
        digits = RepoFiles.mnistSample();
        imported = TorchScriptImport.checkpoint(TorchScriptFixtures.read("traced.pt"), Json.readStrict(
                new String(TorchScriptFixtures.read("manifest.json"), StandardCharsets.UTF_8), ImportManifest.class));
    }

    @Test
    void theImportSummarisesTheModulesLayersByTheirPytorchNames() {
        ArchitectureSummary summary = imported.manifest().summary();

        assertThat(summary.layers()).extracting(ArchitectureSummary.Row::name)
                .containsExactly("features.0", "features.1", "features.4", "features.5", "classifier.1", "classifier.4");
        assertThat(summary.layers()).extracting(ArchitectureSummary.Row::type)
                .containsExactly("conv2d", "batchnorm", "conv2d", "batchnorm", "linear", "linear");
        // PyTorch's count: 80 + 16 + 1,168 + 32 + 50,240 + 650.
        assertThat(summary.parameters()).isEqualTo(52_186);
        assertThat(InitSpec.headLayer(summary)).isEqualTo("classifier.4");
        assertThat(InitSpec.matching("features", summary)).containsExactly("features.0", "features.1", "features.4",
                "features.5");
    }

    @Test
    void frozenConvolutionsStayAsImportedAndTheClassifierLearnsTheDigits() throws Exception {
        TrainingSpec spec = fromImport(spec(2, InitSpec.fromCheckpoint("imported.ckpt")
                .freezing(List.of("features")).withHeadLearningRate(0.002)));
        assertThat(TrainingSpecValidator.validate(spec, "")).isEmpty();

        TrainingResult tuned = new ClassifierTraining(spec, digits, Device.cpu()).startFrom(imported).run();

        assertThat(tuned.test().accuracy()).as("digits through frozen imported convolutions").isGreaterThan(0.85);
        Map<String, float[]> before = parameters(imported);
        Map<String, float[]> after = parameters(tuned.model());
        for (String name : before.keySet()) {
            if (name.startsWith("features.")) {
                assertThat(after.get(name)).as("frozen %s", name).isEqualTo(before.get(name));
            } else {
                assertThat(after.get(name)).as("trained %s", name).isNotEqualTo(before.get(name));
            }
        }
        assertThat(tuned.model().manifest().torchScript()).isTrue();
        // Evaluated contiguous as trained: the rule never builds an imported module's summary.
        assertThat(tuned.model().memoryFormat(Device.cpu())).isEqualTo(MemoryFormat.CONTIGUOUS);
        assertThat(imported.memoryFormat(Device.cpu())).isEqualTo(MemoryFormat.CONTIGUOUS);
        assertThat(tuned.model().manifest().spec().init().base().summary()).isEqualTo(imported.manifest().summary());
        assertThat(tuned.model().torchScript()).as("exports as TorchScript again").isNotEmpty();
    }

    @Test
    void whatAnImportedModelCannotChangeIsRefusedNamingTheField() {
        TrainingSpec spec = fromImport(spec(1, InitSpec.fromCheckpoint("imported.ckpt")));
        assertThat(problems(withField(spec, "normalization", "\"half\""))).containsKey("normalization");
        assertThat(problems(withField(spec, "imageSize", "32")).get("init")).contains("takes 1x28x28 images");
        assertThat(problems(fromImport(spec(1, InitSpec.fromCheckpoint("imported.ckpt").replacingHead(true)))))
                .containsKey("init.replaceHead");
        assertThat(problems(fromImport(spec(1, InitSpec.fromCheckpoint("imported.ckpt")
                .freezing(List.of("conv*"))))).get("init.freeze[0]")).contains("features.0");
        assertThat(problems(withField(spec, "dataset", "\"fashion-mnist\""))).isEmpty();
    }

    private static TrainingSpec spec(int epochs, InitSpec init) {
        return Json.readStrict("{\"dataset\": \"mnist-sample\", \"epochs\": " + epochs + ", \"learningRate\": 0.002,"
                + " \"seed\": 5, \"init\": " + Json.write(init) + "}", TrainingSpec.class);
    }

    private static TrainingSpec fromImport(TrainingSpec spec) {
        return spec.startingFrom(ModelSpec.named(ModelSpec.TORCHSCRIPT), null, InitSpec.BasePin.imported(
                Checkpoint.sha256(imported.toBytes()), null, null, 10, imported.manifest().summary()));
    }

    private static TrainingSpec withField(TrainingSpec spec, String field, String json) {
        var tree = (com.fasterxml.jackson.databind.node.ObjectNode) Json.toTree(spec);
        tree.set(field, Json.read(json, com.fasterxml.jackson.databind.JsonNode.class));
        return Json.fromTree(tree, TrainingSpec.class);
    }

    private static Map<String, String> problems(TrainingSpec spec) {
        Map<String, String> byField = new LinkedHashMap<>();
        for (FieldError error : TrainingSpecValidator.validate(spec, "")) {
            byField.merge(error.field(), error.message(), (a, b) -> a + "; " + b);
        }
        return byField;
    }

    /** The module's parameters by PyTorch name, as float arrays. */
    private static Map<String, float[]> parameters(Checkpoint checkpoint) throws Exception {
        DjlRuntime.prepareThread();
        try (NDManager manager = NDManager.newBaseManager(Device.cpu(), DjlRuntime.ENGINE)) {
            Block block = checkpoint.loadBlock(manager);
            Map<String, float[]> arrays = new LinkedHashMap<>();
            for (Pair<String, Parameter> parameter : block.getParameters()) {
                arrays.put(parameter.getKey(), parameter.getValue().getArray().toFloatArray());
            }
            return arrays;
        }
    }
}
