package dev.kiln.vision.datasets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Cifar10Test {

    @TempDir
    Path tmp;

    private final ByteArrayOutputStream output = new ByteArrayOutputStream();
    private final PrintStream log = new PrintStream(output, true, StandardCharsets.UTF_8);

    @Test
    void installsFromTheBatchFolderAndIsIdempotent() throws Exception {
        Path source = CifarFixture.write(tmp.resolve("cifar-10-batches-bin"));
        Installer installer = new Installer(tmp.resolve("data"), log);

        installer.install(cifar(source));

        Path installed = tmp.resolve("data/cifar10");
        for (String file : CifarBatches.FILES) {
            assertThat(installed.resolve(file)).hasSameBinaryContentAs(source.resolve(file));
        }
        assertThat(Files.readAllLines(installed.resolve(Checksums.SUMS_FILE)))
                .hasSize(7).allMatch(line -> line.matches("[0-9a-f]{64}  \\S+"));
        assertThat(installer.verify(cifar(source)).ok()).isTrue();
        assertThat(output.toString(StandardCharsets.UTF_8)).contains("cifar10: installed in " + installed);

        installer.install(cifar(null));

        assertThat(output.toString(StandardCharsets.UTF_8)).endsWith("cifar10: already installed (verified)\n");
    }

    @Test
    void acceptsTheParentOfTheBatchFolder() throws Exception {
        CifarFixture.write(tmp.resolve("download/cifar-10-batches-bin"));

        new Installer(tmp.resolve("data"), log).install(cifar(tmp.resolve("download")));

        assertThat(tmp.resolve("data/cifar10/test_batch.bin")).exists();
    }

    @Test
    void rejectsABadLabelNamingFileAndRecord() throws Exception {
        Path source = CifarFixture.write(tmp.resolve("batches"));
        CifarFixture.setLabel(source.resolve("data_batch_2.bin"), 5, 10);

        assertThatThrownBy(() -> new Installer(tmp.resolve("data"), log).install(cifar(source)))
                .isInstanceOf(IOException.class)
                .hasMessage("data_batch_2.bin: record 5 (counting from 0) has label 10, expected 0..9; the file is corrupt");
        assertThat(tmp.resolve("data/cifar10")).doesNotExist();
        assertThat(tmp.resolve("data")).isEmptyDirectory();
    }

    @Test
    void rejectsAWrongSize() throws Exception {
        Path source = CifarFixture.write(tmp.resolve("batches"));
        Path batch = source.resolve("test_batch.bin");
        Files.write(batch, Arrays.copyOf(Files.readAllBytes(batch), CifarFixture.RECORDS * CifarBatches.RECORD_BYTES - 1));

        assertThatThrownBy(() -> new Installer(tmp.resolve("data"), log).install(cifar(source)))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("test_batch.bin: 36875 bytes, expected 36876 (12 records of 3073 bytes)");
    }

    @Test
    void theProductionCheckWantsTenThousandRecords() throws Exception {
        Path source = CifarFixture.write(tmp.resolve("batches"));

        assertThatThrownBy(() -> CifarBatches.OFFICIAL.validate(source))
                .hasMessageContaining("expected 30730000 (10000 records of 3073 bytes)");
    }

    @Test
    void rejectsAFolderWithoutTheBinaryVersion() throws Exception {
        Path source = CifarFixture.write(tmp.resolve("batches"));
        Files.delete(source.resolve("batches.meta.txt"));
        Files.delete(source.resolve("data_batch_5.bin"));

        assertThatThrownBy(() -> new Installer(tmp.resolve("data"), log).install(cifar(source)))
                .isInstanceOf(DatasetException.class)
                .hasMessageContaining("lacks data_batch_5.bin, batches.meta.txt")
                .hasMessageContaining("binary version");
    }

    @Test
    void withoutASourceExplainsBothOptions() {
        assertThatThrownBy(() -> new Installer(tmp.resolve("data"), log).install(cifar(null)))
                .isInstanceOf(DatasetException.class)
                .hasMessageContaining("--from DIR").hasMessageContaining("--download");
    }

    @Test
    void reinstallsWhenAnInstalledFileWasModified() throws Exception {
        Path source = CifarFixture.write(tmp.resolve("batches"));
        Installer installer = new Installer(tmp.resolve("data"), log);
        installer.install(cifar(source));
        Path installedBatch = tmp.resolve("data/cifar10/data_batch_3.bin");
        CifarFixture.setLabel(installedBatch, 0, 9);

        assertThat(installer.verify(cifar(source)).ok()).isFalse();
        installer.install(cifar(source));

        assertThat(output.toString(StandardCharsets.UTF_8)).contains("checksums do not verify; reinstalling");
        assertThat(installedBatch).hasSameBinaryContentAs(source.resolve("data_batch_3.bin"));
        assertThat(installer.verify(cifar(source)).ok()).isTrue();
    }

    private Cifar10 cifar(Path from) {
        return new Cifar10(from, false, new CifarBatches(CifarFixture.RECORDS), new Commands(log), log);
    }
}
