package dev.kiln.vision.export;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.kiln.contracts.messaging.Json;
import dev.kiln.contracts.runs.TrainingSpec;
import dev.kiln.vision.RepoFiles;
import dev.kiln.vision.checkpoints.Checkpoint;
import dev.kiln.vision.checkpoints.EvalTransform;
import dev.kiln.vision.datasets.ImageSet;
import dev.kiln.vision.engine.DjlRuntime;
import dev.kiln.vision.pipeline.TrainTestData;
import dev.kiln.vision.serving.Classifier;
import dev.kiln.vision.serving.ImageInputs;
import dev.kiln.vision.training.ClassifierTraining;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Models trained on real digits, exported to ONNX and run by ONNX Runtime on the 2,000 held-out test images: the
 * same top-1 class for every image, and probabilities within 1e-4 of Kiln's own predictor.
 */
class OnnxExportTest {

    /** Every layer type ONNX export maps, BatchNorm on images and on features, a projected residual included. */
    private static final String EVERY_LAYER = """
            {"layers": [
              {"type": "conv2d", "out": 8, "kernel": 3, "padding": 1}, {"type": "batchnorm"},
              {"type": "leakyrelu", "slope": 0.1},
              {"type": "conv2d", "out": 8, "kernel": 3, "padding": 1, "groups": 8, "bias": false}, {"type": "gelu"},
              {"type": "avgpool", "kernel": 3, "stride": 2, "padding": 1},
              {"type": "residual", "layers": [{"type": "conv2d", "out": 16, "kernel": 3, "stride": 2, "padding": 1},
                                              {"type": "batchnorm"}, {"type": "silu"}]},
              {"type": "relu"}, {"type": "maxpool"},
              {"type": "residual", "layers": [{"type": "conv2d", "out": 16, "kernel": 3, "padding": 1}]},
              {"type": "adaptiveavgpool"}, {"type": "flatten"}, {"type": "batchnorm"}, {"type": "dropout", "rate": 0.2},
              {"type": "linear", "out": 32}, {"type": "relu"}, {"type": "linear", "bias": false}]}""";

    private static TrainTestData digits;

    @BeforeAll
    static void loadData() throws IOException {
        digits = RepoFiles.mnistSample();
    }

    @Test
    void everyLayerTypeAgreesWithOnnxRuntimeOnEveryTestImage() throws Exception {
        assertAgrees(trained(EVERY_LAYER));
    }

    @Test
    void aRegistryModelAgreesWithOnnxRuntimeOnEveryTestImage() throws Exception {
        assertAgrees(trained("\"mnist-cnn\""));
    }

    private static Checkpoint trained(String model) {
        TrainingSpec spec = Json.readStrict("{\"dataset\": \"mnist-sample\", \"model\": " + model
                + ", \"epochs\": 1, \"seed\": 3}", TrainingSpec.class);
        return new ClassifierTraining(spec, digits, Device.cpu()).run().model();
    }

    private static void assertAgrees(Checkpoint checkpoint) throws Exception {
        ImageSet test = digits.test();
        EvalTransform transform = checkpoint.manifest().evalTransform();
        int size = test.imageBytes();
        float[] normalised = new float[test.size() * size];
        float[] pixels = new float[test.size() * size];
        for (int i = 0; i < test.size(); i++) {
            System.arraycopy(ImageInputs.fromPixels(test.pixels(), i * size, transform), 0, normalised, i * size, size);
            for (int j = 0; j < size; j++) {
                pixels[i * size + j] = (test.pixels()[i * size + j] & 0xff) / 255f;
            }
        }
        float[] kiln;
        DjlRuntime.prepareThread();
        try (Classifier classifier = Classifier.load(checkpoint, Device.cpu())) {
            kiln = classifier.probabilities(normalised, test.size());
        }

        byte[] onnx = OnnxExport.export(checkpoint);

        int classes = checkpoint.manifest().classes().size();
        float[][] runtime;
        OrtEnvironment environment = OrtEnvironment.getEnvironment();
        try (OrtSession session = environment.createSession(onnx, new OrtSession.SessionOptions());
                OnnxTensor input = OnnxTensor.createTensor(environment, FloatBuffer.wrap(pixels),
                        new long[] {test.size(), transform.channels(), transform.height(), transform.width()});
                OrtSession.Result result = session.run(Map.of("pixels", input))) {
            runtime = (float[][]) result.get("probabilities").orElseThrow().getValue();
            assertThat(session.getMetadata().getCustomMetadata().get("kiln.classes"))
                    .isEqualTo(Json.write(checkpoint.manifest().classes()));
        }
        double worst = 0;
        for (int i = 0; i < test.size(); i++) {
            assertThat(argMax(runtime[i])).as("image %d", i).isEqualTo(argMax(kiln, i * classes, classes));
            for (int k = 0; k < classes; k++) {
                worst = Math.max(worst, Math.abs(runtime[i][k] - kiln[i * classes + k]));
            }
        }
        assertThat(worst).as("largest probability difference").isLessThan(1e-4);
    }

    private static int argMax(float[] values) {
        return argMax(values, 0, values.length);
    }

    private static int argMax(float[] values, int offset, int length) {
        int best = 0;
        for (int k = 1; k < length; k++) {
            best = values[offset + k] > values[offset + best] ? k : best;
        }
        return best;
    }
}
