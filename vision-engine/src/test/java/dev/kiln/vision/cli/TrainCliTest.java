package dev.kiln.vision.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.vision.RepoFiles;
import dev.kiln.vision.checkpoints.Checkpoint;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainCliTest {

    @TempDir
    Path tmp;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @Test
    void trainsASpecAndPrintsTheResultAsJson() throws Exception {
        Path spec = write("""
                {"dataset": "mnist-sample", "model": "fc2layer", "modelArgs": {"n_hidden": 32}, "epochs": 2,
                 "optimizer": "sgd", "learningRate": 0.05, "seed": 3}
                """);
        Path runDir = tmp.resolve("run");

        int exit = run(spec.toString(), "--json", "--device", "cpu", "--out", runDir.toString(),
                "--data", RepoFiles.dataDir().toString());

        assertThat(exit).as(err()).isZero();
        JsonNode result = new ObjectMapper().readTree(out());
        assertThat(result.path("outcome").asText()).isEqualTo("COMPLETED");
        assertThat(result.path("device").asText()).isEqualTo("cpu");
        assertThat(result.path("epochs")).hasSize(2);
        assertThat(result.path("test").path("accuracy").asDouble()).isGreaterThan(0.8);
        assertThat(result.path("test").path("confusion")).hasSize(10);
        assertThat(err()).contains("epoch   2");
        assertThat(Checkpoint.read(runDir.resolve("model.ckpt")).manifest().model()).isEqualTo("fc2layer");
        assertThat(Checkpoint.read(runDir.resolve("last.ckpt")).resume().history()).hasSize(2);
        assertThat(runDir.resolve("result.json")).exists();
    }

    @Test
    void aSpecStartsFromAnEarlierRunsCheckpointWhichThenExportsToOnnx() throws Exception {
        Path base = tmp.resolve("base");
        assertThat(run(write("{\"dataset\": \"mnist-sample\", \"model\": \"mnist-cnn\", \"epochs\": 1, \"seed\": 3}")
                .toString(), "--device", "cpu", "--out", base.toString(), "--data", RepoFiles.dataDir().toString()))
                .as(err()).isZero();
        Path checkpoint = base.resolve("model.ckpt");
        String init = "\"init\": {\"checkpoint\": \"" + checkpoint + "\", \"freeze\": [";

        int refused = run(write("{\"dataset\": \"mnist-sample\", \"epochs\": 1, " + init + "\"conv*\"]}}").toString(),
                "--out", tmp.resolve("refused").toString());
        assertThat(refused).isEqualTo(2);
        assertThat(err()).contains("spec.init.freeze[0]: 'conv*' matches no layer of the model");

        int tuned = run(write("{\"dataset\": \"mnist-sample\", \"epochs\": 1, " + init + "\"0\", \"3\"]}}").toString(),
                "--device", "cpu", "--out", tmp.resolve("tuned").toString(), "--data", RepoFiles.dataDir().toString());
        assertThat(tuned).as(err()).isZero();
        assertThat(out()).contains("Starting from " + checkpoint + " (trained on mnist-sample, 10 classes); frozen: [0, 3]");
        Checkpoint result = Checkpoint.read(tmp.resolve("tuned").resolve("model.ckpt"));
        assertThat(result.manifest().spec().model().name()).isEqualTo("mnist-cnn");
        assertThat(result.manifest().spec().init().base().sha256())
                .isEqualTo(Checkpoint.sha256(Files.readAllBytes(checkpoint)));

        Path onnx = tmp.resolve("tuned.onnx");
        int exported = ExportCli.run(new String[] {tmp.resolve("tuned").resolve("model.ckpt").toString(), "--out",
                onnx.toString()}, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(exported).isZero();
        assertThat(onnx).exists();
    }

    @Test
    void anInvalidSpecListsEveryProblemAndTrainsNothing() throws Exception {
        Path spec = write("""
                {"dataset": "fashion-mnist", "model": "lenet", "batchSize": 0, "learningRate": -1,
                 "augmentation": {"hue": 0.2}}
                """);

        int exit = run(spec.toString(), "--out", tmp.resolve("run").toString());

        assertThat(exit).isEqualTo(2);
        assertThat(err()).contains("3 problem(s)").contains("spec.batchSize").contains("spec.learningRate")
                .contains("spec.augmentation.hue");
        assertThat(tmp.resolve("run")).doesNotExist();
    }

    @Test
    void aTypoInAFieldNameIsAnErrorNotIgnored() throws Exception {
        Path spec = write("{\"dataset\": \"mnist-sample\", \"model\": \"mlp\", \"learning_rate\": 0.1}");

        assertThat(run(spec.toString())).isEqualTo(2);
        assertThat(err()).contains("learning_rate");
    }

    @Test
    void aMissingDataSetSaysHowToInstallIt() throws Exception {
        Path spec = write("{\"dataset\": \"cifar10\", \"model\": \"lenet\"}");

        assertThat(run(spec.toString(), "--device", "cpu", "--data", tmp.resolve("empty").toString())).isEqualTo(2);
        assertThat(err()).contains("./kiln data cifar10");
    }

    @Test
    void anUnknownDeviceOrOptionIsAUsageError() throws Exception {
        Path spec = write("{\"dataset\": \"mnist-sample\", \"model\": \"mlp\"}");

        assertThat(run(spec.toString(), "--device", "tpu")).isEqualTo(2);
        assertThat(err()).contains("auto, cpu or gpu:N");
        assertThat(run(spec.toString(), "--fast")).isEqualTo(2);
        assertThat(err()).contains("unknown option --fast");
    }

    private int run(String... args) {
        return TrainCli.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), false);
    }

    private Path write(String json) throws Exception {
        Path file = tmp.resolve("spec.json");
        Files.writeString(file, json);
        return file;
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }
}
