package dev.kiln.vision.checkpoints;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import dev.kiln.contracts.messaging.Json;
import dev.kiln.contracts.runs.TrainingSpec;
import dev.kiln.vision.engine.DjlRuntime;
import dev.kiln.vision.models.ModelRegistry;
import dev.kiln.contracts.runs.EpochMetrics;
import dev.kiln.vision.training.LearningRateSchedule.PlateauState;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointTest {

    private static final Shape INPUT = new Shape(1, 1, 28, 28);
    private static final EpochMetrics EPOCH_3 = new EpochMetrics(3, 0.41, 0.87, 0.45, 0.85, 0.001, 1200, 9000, 2.5);

    @TempDir
    Path dir;

    private NDManager manager;
    private Block block;
    private byte[] parameters;

    @BeforeAll
    static void startEngine() {
        DjlRuntime.start();
    }

    @BeforeEach
    void trainedModel() throws IOException {
        manager = NDManager.newBaseManager(Device.cpu(), "PyTorch");
        block = ModelRegistry.build("fc2layer", Map.<String, Double>of(), 10);
        block.initialize(manager, DataType.FLOAT32, INPUT);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        block.saveParameters(new DataOutputStream(bytes));
        parameters = bytes.toByteArray();
    }

    @AfterEach
    void closeManager() {
        manager.close();
    }

    private static CheckpointManifest manifest(String format, byte[] parameters) {
        return new CheckpointManifest(format, "fc2layer", Map.of("n_hidden", 8.0),
                List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9"),
                new EvalTransform(1, 28, 28, List.of(0.1307f), List.of(0.3081f)), 3, EPOCH_3, 42L, "cpu",
                TrainingSpec.of("mnist-sample", "fc2layer", 5, 64, "adam", 0.001, 42L),
                Map.of("kiln", "test", "djl", "0.25.0", "pytorch", "2.0.1"), Checkpoint.sha256(parameters),
                "2025-01-01T00:00:00Z", null);
    }

    private Checkpoint checkpoint(ResumeState resume) {
        byte[] moments = new NDList(manager.create(new float[] {1, 2, 3})).encode();
        return new Checkpoint(manifest(CheckpointManifest.FORMAT, parameters), parameters, moments, resume,
                new byte[] {7, 7, 7});
    }

    private static ResumeState resume(PlateauState plateau) {
        return new ResumeState(List.of(EPOCH_3), 2, 0.44, plateau, Map.of("01Linear_weight", 300, "01Linear_bias", 300));
    }

    private Checkpoint roundTrip(Checkpoint checkpoint) throws IOException {
        Path file = dir.resolve("run/epoch-3.zip");
        checkpoint.write(file);
        return Checkpoint.read(file);
    }

    @Test
    void writeThenReadGivesBackEveryPart() throws IOException {
        Checkpoint written = checkpoint(resume(new PlateauState(0.1, 0.85, 2)));

        Checkpoint read = roundTrip(written);

        assertThat(read.manifest()).isEqualTo(written.manifest());
        assertThat(read.resume()).isEqualTo(written.resume());
        assertThat(read.parameters()).isEqualTo(parameters);
        assertThat(read.bestParameters()).containsExactly(7, 7, 7);
        assertThat(read.optimizerState(manager).singletonOrThrow().toFloatArray()).containsExactly(1, 2, 3);
        assertThat(dir.resolve("run")).isDirectoryNotContaining("glob:**.partial");
    }

    @Test
    void aFreshPlateauStateSurvivesJson() throws IOException {
        // START holds best = -Infinity, which JSON has no number for.
        Checkpoint read = roundTrip(checkpoint(resume(PlateauState.START)));

        assertThat(read.resume().plateau()).isEqualTo(PlateauState.START);
    }

    @Test
    void forInferenceDropsTheResumeParts() throws IOException {
        Checkpoint read = roundTrip(checkpoint(resume(PlateauState.START)).forInference());

        assertThat(read.parameters()).isEqualTo(parameters);
        assertThat(read.optimizerState()).isNull();
        assertThat(read.resume()).isNull();
        assertThat(read.bestParameters()).isNull();
    }

    @Test
    void loadedBlockComputesWhatTheOriginalDid() throws IOException {
        Block loaded = roundTrip(checkpoint(null)).loadBlock(manager);

        NDArray input = manager.randomUniform(0, 1, new Shape(4, 1, 28, 28));
        assertThat(outputs(loaded, input)).containsExactly(outputs(block, input));
    }

    private float[] outputs(Block b, NDArray input) {
        return b.forward(new ParameterStore(manager, false), new NDList(input), false).singletonOrThrow().toFloatArray();
    }

    @Test
    void aFlippedParameterByteFailsTheDigest() {
        byte[] tampered = parameters.clone();
        tampered[tampered.length / 2] ^= 1;
        Checkpoint checkpoint = new Checkpoint(manifest(CheckpointManifest.FORMAT, parameters), tampered, null, null, null);

        assertThatThrownBy(() -> Checkpoint.fromBytes(checkpoint.toBytes()))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("digest")
                .hasMessageContaining(Checkpoint.sha256(parameters));
    }

    @Test
    void aFileThatIsNoZipIsRefusedWithItsName() throws IOException {
        Path file = Files.writeString(dir.resolve("notes.txt"), "not a checkpoint at all");

        assertThatThrownBy(() -> Checkpoint.read(file))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining(file.toString());
    }

    @Test
    void aZipWithoutManifestIsRefused() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            zip.putNextEntry(new ZipEntry(Checkpoint.PARAMETERS));
            zip.write(parameters);
            zip.closeEntry();
        }

        assertThatThrownBy(() -> Checkpoint.fromBytes(bytes.toByteArray()))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining(Checkpoint.MANIFEST);
    }

    @Test
    void anotherFormatIsRefused() {
        Checkpoint other = new Checkpoint(manifest("kiln.checkpoint.v0", parameters), parameters, null, null, null);

        assertThatThrownBy(() -> Checkpoint.fromBytes(other.toBytes()))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("kiln.checkpoint.v0");
    }

    @Test
    void aMissingFileIsACheckpointException() {
        assertThatThrownBy(() -> Checkpoint.read(dir.resolve("absent.zip"))).isInstanceOf(CheckpointException.class);
    }

    @Test
    void theManifestIsPlainJson() {
        String json = Json.write(manifest(CheckpointManifest.FORMAT, parameters));

        assertThat(json).contains("\"format\":\"kiln.checkpoint.v1\"", "\"model\":\"fc2layer\"",
                "\"parametersSha256\":\"" + Checkpoint.sha256(parameters) + "\"");
    }
}
