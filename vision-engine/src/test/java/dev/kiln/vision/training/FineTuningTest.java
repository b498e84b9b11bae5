package dev.kiln.vision.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import dev.kiln.contracts.architectures.ArchitectureSummary;
import dev.kiln.contracts.architectures.ModelSpec;
import dev.kiln.contracts.messaging.Json;
import dev.kiln.contracts.runs.InitSpec;
import dev.kiln.contracts.runs.TrainingSpec;
import dev.kiln.vision.RepoFiles;
import dev.kiln.vision.checkpoints.Checkpoint;
import dev.kiln.vision.engine.DjlRuntime;
import dev.kiln.vision.models.LayerParameters;
import dev.kiln.vision.pipeline.TrainTestData;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Transfer learning on real digits: a model trained on 0-4 starts the training on 5-9. The frozen layers must
 * come out bit for bit as the base left them, the replaced head must learn the new classes, and unfreezing
 * must let the features move again.
 */
class FineTuningTest {

    private static final List<String> FEATURES = List.of("0", "3");

    private static TrainTestData lowDigits;
    private static TrainTestData highDigits;
    private static Checkpoint base;

    @BeforeAll
    static void trainTheBase() throws IOException {
        TrainTestData digits = RepoFiles.mnistSample();
        lowDigits = digits.classRange(0, 4);
        highDigits = digits.classRange(5, 9);
        TrainingResult result = new ClassifierTraining(spec(2, null), lowDigits, Device.cpu()).run();
        assertThat(result.test().accuracy()).as("base model on digits 0-4").isGreaterThan(0.95);
        base = result.model();
    }

    @Test
    void frozenFeaturesStayAsTheBaseLeftThemAndTheNewHeadLearnsTheNewDigits() throws Exception {
        InitSpec init = InitSpec.fromCheckpoint("base.ckpt").freezing(FEATURES).withHeadLearningRate(0.003).replacingHead(true);

        TrainingResult tuned = new ClassifierTraining(fromBase(spec(2, init)), highDigits, Device.cpu())
                .startFrom(base).run();

        assertThat(tuned.test().accuracy()).as("digits 5-9 through the convolutions of 0-4").isGreaterThan(0.9);
        Map<String, float[][]> before = layers(base);
        Map<String, float[][]> after = layers(tuned.model());
        for (String layer : FEATURES) {
            assertThat(after.get(layer)).as("frozen layer %s", layer).isDeepEqualTo(before.get(layer));
        }
        assertThat(after.get("9")[0]).as("the head").isNotEqualTo(before.get("9")[0]);
        assertThat(tuned.model().manifest().classes()).isEqualTo(highDigits.train().classes());
        assertThat(tuned.model().manifest().spec().init().base().classes()).isEqualTo(5);
    }

    @Test
    void unfrozenAtTheSecondEpochTheFeaturesTrainToo() throws Exception {
        InitSpec init = InitSpec.fromCheckpoint("base.ckpt").freezing(List.of("0")).unfreezingAt(2).replacingHead(true);

        TrainingResult tuned = new ClassifierTraining(fromBase(spec(2, init)), highDigits, Device.cpu())
                .startFrom(base).run();

        assertThat(layers(tuned.model()).get("0")[0]).isNotEqualTo(layers(base).get("0")[0]);
    }

    @Test
    void keepingTheHeadOfAModelWithOtherClassesIsRefused() {
        TrainTestData threeClasses = highDigits.classRange(0, 2);
        InitSpec init = InitSpec.fromCheckpoint("base.ckpt").freezing(FEATURES).replacingHead(false);

        assertThatThrownBy(() -> new ClassifierTraining(fromBase(spec(1, init)), threeClasses, Device.cpu())
                .startFrom(base).run())
                .hasMessageContaining("replaceHead is false, but the base model has 5 classes");
    }

    private static TrainingSpec spec(int epochs, InitSpec init) {
        return Json.readStrict("{\"dataset\": \"mnist-sample\", \"model\": \"mnist-cnn\", \"epochs\": " + epochs
                + ", \"learningRate\": 0.003, \"seed\": 5" + (init == null ? "" : ", \"init\": " + Json.write(init))
                + "}", TrainingSpec.class);
    }

    private static TrainingSpec fromBase(TrainingSpec spec) {
        return spec.startingFrom(ModelSpec.named("mnist-cnn"), base.manifest().modelArgs(),
                InitSpec.BasePin.trained(Checkpoint.sha256(base.toBytes()), null, null, "mnist-sample", 5));
    }

    /** Each layer's parameters of the checkpoint's model, as float arrays. */
    private static Map<String, float[][]> layers(Checkpoint checkpoint) throws Exception {
        DjlRuntime.prepareThread();
        try (NDManager manager = NDManager.newBaseManager(Device.cpu(), DjlRuntime.ENGINE)) {
            Block block = checkpoint.loadBlock(manager);
            ArchitectureSummary summary = checkpoint.manifest().summary();
            Map<String, float[][]> arrays = new LinkedHashMap<>();
            LayerParameters.of(summary.layout(), block).forEach((layer, parameters) -> arrays.put(layer,
                    parameters.stream().map(Parameter::getArray).map(a -> a.toFloatArray()).toArray(float[][]::new)));
            return arrays;
        }
    }
}
