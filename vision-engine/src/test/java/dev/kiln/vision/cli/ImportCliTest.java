package dev.kiln.vision.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.vision.RepoFiles;
import dev.kiln.vision.checkpoints.Checkpoint;
import dev.kiln.vision.imports.TorchScriptFixtures;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ./kiln import} and {@code ./kiln export --format torchscript}: a PyTorch model in and back out. */
class ImportCliTest {

    @TempDir
    Path tmp;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @Test
    void aTorchScriptModelImportsAndExportsBackToAFilePytorchRunsAlike() throws Exception {
        Path fixtures = TorchScriptFixtures.dir();
        Path checkpoint = tmp.resolve("digits.ckpt");

        int imported = ImportCli.run(new String[] {fixtures.resolve("scripted.pt").toString(), "--manifest",
                fixtures.resolve("manifest.json").toString(), "--out", checkpoint.toString()}, print(out), print(err));

        assertThat(imported).as(err.toString(StandardCharsets.UTF_8)).isZero();
        assertThat(Checkpoint.read(checkpoint).manifest().model()).isEqualTo("torchscript");
        Path exported = tmp.resolve("digits.pt");
        assertThat(ExportCli.run(new String[] {checkpoint.toString(), "--format", "torchscript", "--out",
                exported.toString()}, print(out), print(err))).isZero();
        assertThat(TorchScriptFixtures.checkInPytorch(exported)).isNull();
        assertThat(ExportCli.run(new String[] {checkpoint.toString()}, print(out), print(err))).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("exports as TorchScript, not ONNX");
    }

    @Test
    void anImportedModelIsFineTunedByKilnTrainWithItsConvolutionsFrozen() throws Exception {
        Path fixtures = TorchScriptFixtures.dir();
        Path checkpoint = tmp.resolve("digits.ckpt");
        assertThat(ImportCli.run(new String[] {fixtures.resolve("traced.pt").toString(), "--manifest",
                fixtures.resolve("manifest.json").toString(), "--out", checkpoint.toString()}, print(out), print(err)))
                .as(err.toString(StandardCharsets.UTF_8)).isZero();
        Path spec = Files.writeString(tmp.resolve("tune.json"), "{\"dataset\": \"mnist-sample\", \"epochs\": 1,"
                + " \"init\": {\"checkpoint\": \"" + checkpoint + "\", \"freeze\": [\"features\"]}}");

        int exit = TrainCli.run(new String[] {spec.toString(), "--device", "cpu", "--out", tmp.resolve("tuned").toString(),
                "--data", RepoFiles.dataDir().toString()}, print(out), print(err), false);

        assertThat(exit).as(err.toString(StandardCharsets.UTF_8)).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8))
                .contains("(an imported TorchScript model, 10 classes); frozen: [features]")
                .contains("Model torchscript for 1x28x28 images").contains("classifier.4");
        Checkpoint tuned = Checkpoint.read(tmp.resolve("tuned").resolve("model.ckpt"));
        assertThat(tuned.manifest().model()).isEqualTo("torchscript");
        assertThat(tuned.manifest().metrics()).isNotNull();
    }

    @Test
    void aFileThatIsNotAModelIsRefusedNamingWhy() throws Exception {
        Path notAModel = Files.writeString(tmp.resolve("weights.pt"), "not a module");

        int exit = ImportCli.run(new String[] {notAModel.toString(), "--manifest",
                TorchScriptFixtures.dir().resolve("manifest.json").toString()}, print(out), print(err));

        assertThat(exit).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("cannot be imported", "model: not a TorchScript model");
        assertThat(tmp.resolve("weights.ckpt")).doesNotExist();
    }

    private static PrintStream print(ByteArrayOutputStream bytes) {
        return new PrintStream(bytes, true, StandardCharsets.UTF_8);
    }
}
