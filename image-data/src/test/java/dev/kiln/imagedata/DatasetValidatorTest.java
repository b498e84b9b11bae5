package dev.kiln.imagedata;

import static dev.kiln.imagedata.Archives.colourPng;
import static dev.kiln.imagedata.Archives.entries;
import static dev.kiln.imagedata.Archives.greyPng;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.contracts.datasets.ValidationReport;
import dev.kiln.imagedata.packing.PackedImages;
import dev.kiln.imagedata.validation.DatasetValidator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The validation report and the packed version of a small image folder with the usual problems. */
class DatasetValidatorTest {

    @TempDir
    Path dir;

    @Test
    void theReportNamesUnreadableFilesLeaksAndStatisticsAndTheVersionIsPacked() throws Exception {
        byte[] leaked = greyPng(28, 255, 5);
        byte[] truncated = Arrays.copyOf(greyPng(28, 90, 6), 60);
        // A PNG whose header claims 40000x40000 pixels: refused from its header, never allocated.
        byte[] huge = hugeClaim();
        Path archive = write(Archives.zip(entries(
                "train/circle/1.png", greyPng(28, 255, 1), "train/circle/2.png", greyPng(28, 250, 2),
                "train/circle/3.png", leaked, "train/circle/broken.png", truncated,
                "train/square/1.png", greyPng(28, 40, 3), "train/square/2.png", colourPng(32, 4),
                "train/square/huge.png", huge, "train/square/notes.txt", Archives.text("not an image"),
                "test/circle/1.png", leaked, "test/square/1.png", greyPng(28, 30, 7))));

        DatasetValidator.Outcome outcome = DatasetValidator.validate(archive, dir.resolve("packed"),
                DatasetValidator.Settings.defaults(), n -> { });

        ValidationReport report = outcome.report();
        assertThat(report.rejection()).isNull();
        assertThat(report.classes()).containsExactly("circle", "square");
        assertThat(report.splits().get("train").perClass()).isEqualTo(Map.of("circle", 3, "square", 2));
        assertThat(report.splits().get("test").images()).isEqualTo(2);
        assertThat(report.unreadable()).extracting(ValidationReport.FileProblem::path)
                .containsExactlyInAnyOrder("train/circle/broken.png", "train/square/huge.png");
        assertThat(report.unreadable()).filteredOn(p -> p.path().endsWith("huge.png"))
                .allSatisfy(p -> assertThat(p.reason()).contains("40000x40000").contains("larger than the limit"));
        assertThat(report.unreadable()).allSatisfy(p -> assertThat(p.reason()).doesNotContain("java."));
        assertThat(report.crossSplitDuplicates()).isEqualTo(1);
        assertThat(report.duplicates().get(0).paths()).containsExactly("test/circle/1.png", "train/circle/3.png");
        assertThat(report.duplicates().get(0).splits()).containsExactly("test", "train");
        assertThat(report.warnings()).anySatisfy(w -> assertThat(w).contains("more than one split"));
        assertThat(report.colourModes()).containsEntry("rgb", 1).containsEntry("grey", 7);
        assertThat(report.channels()).isEqualTo(3);
        assertThat(report.storedHeight()).isEqualTo(28);
        assertThat(report.sizes()).containsEntry("28x28", 7).containsEntry("32x32", 1);
        assertThat(report.imbalance()).isEqualTo(1.5);
        assertThat(report.ignoredFiles()).isEqualTo(1);
        assertThat(report.mean()).hasSize(3).allSatisfy(m -> assertThat(m).isBetween(0.0, 1.0));
        assertThat(report.std()).allSatisfy(s -> assertThat(s).isGreaterThan(0.0));

        PackedImages.Packed packed = PackedImages.read(dir.resolve("packed"));
        assertThat(outcome.packed()).isEqualTo(packed.header());
        assertThat(packed.header().splits()).containsExactly(Map.entry("train", 5), Map.entry("test", 2));
        assertThat(packed.splits().get("train").pixels()).hasSize(5 * 3 * 28 * 28);
        assertThat(packed.splits().get("train").labels()).containsExactlyInAnyOrder(0, 0, 0, 1, 1);
        assertThat(packed.splits().get("test").labels()).containsExactlyInAnyOrder(0, 1);
    }

    @Test
    void aClassWhoseImagesAreAllUnreadableRejectsTheVersion() throws Exception {
        Path archive = write(Archives.zip(entries("train/a/1.png", greyPng(28, 200, 1),
                "train/b/1.png", Archives.text("not a png"), "train/b/2.jpg", new byte[] {(byte) 0xff, (byte) 0xd8})));

        DatasetValidator.Outcome outcome = DatasetValidator.validate(archive, dir.resolve("packed"),
                DatasetValidator.Settings.defaults(), n -> { });

        assertThat(outcome.report().rejection()).isEqualTo("class 'b' in train/ has no readable image");
        assertThat(outcome.report().unreadableCount()).isEqualTo(2);
        assertThat(outcome.packed()).isNull();
        assertThat(dir.resolve("packed")).doesNotExist();
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("archive");
        }
    }

    @Test
    void idxFilesAreATrainableVersionToo() throws Exception {
        // The real MNIST sample as a user would upload MNIST-format files.
        Path sample = Path.of("../.kiln/data/mnist-sample");
        Path archive = write(Archives.zip(entries(
                "mnist/train-images-idx3-ubyte.gz", Files.readAllBytes(sample.resolve("images-idx3-ubyte.gz")),
                "mnist/train-labels-idx1-ubyte.gz", Files.readAllBytes(sample.resolve("labels-idx1-ubyte.gz")))));

        DatasetValidator.Outcome outcome = DatasetValidator.validate(archive, dir.resolve("packed"),
                DatasetValidator.Settings.defaults(), n -> { });

        ValidationReport report = outcome.report();
        assertThat(report.rejection()).isNull();
        assertThat(report.format()).isEqualTo("idx");
        assertThat(report.classes()).containsExactly("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");
        assertThat(report.splits().get("train").images()).isEqualTo(10_000);
        assertThat(report.channels()).isEqualTo(1);
        assertThat(report.storedHeight()).isEqualTo(28);
        assertThat(report.mean().get(0)).isBetween(0.12, 0.14);
        assertThat(PackedImages.read(dir.resolve("packed")).splits().get("train").labels()).hasSize(10_000);
    }

    @Test
    void cifarBatchesAreReadWithTheirClassNamesAndLeaksAcrossSplitsFound() throws Exception {
        byte[] train = cifarRecords(0, 1, 2, 3, 4, 5);
        byte[] test = Arrays.copyOf(cifarRecords(9, 8), 2 * 3073);
        System.arraycopy(train, 3073, test, 0, 3073);
        String names = String.join("\n", "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse",
                "ship", "truck") + "\n\n";
        Path archive = write(Archives.zip(entries("cifar-10-batches-bin/data_batch_1.bin", train,
                "cifar-10-batches-bin/test_batch.bin", test, "cifar-10-batches-bin/batches.meta.txt",
                Archives.text(names))));

        ValidationReport report = DatasetValidator.validate(archive, dir.resolve("packed"),
                DatasetValidator.Settings.defaults(), n -> { }).report();

        assertThat(report.format()).isEqualTo("cifar-binary");
        assertThat(report.classes()).hasSize(10).startsWith("airplane");
        assertThat(report.channels()).isEqualTo(3);
        assertThat(report.splits().get("train").images()).isEqualTo(6);
        assertThat(report.splits().get("test").images()).isEqualTo(2);
        assertThat(report.crossSplitDuplicates()).isEqualTo(1);
        assertThat(report.rejection()).isEqualTo("class 'frog' in train/ has no readable image");
    }

    @Test
    void incompleteOrMalformedBinaryFilesRejectTheVersion() throws Exception {
        Path sample = Path.of("../.kiln/data/mnist-sample");
        Path imagesOnly = write(Archives.zip(entries("train-images-idx3-ubyte.gz",
                Files.readAllBytes(sample.resolve("images-idx3-ubyte.gz")))));
        assertThat(DatasetValidator.validate(imagesOnly, dir.resolve("p1"), DatasetValidator.Settings.defaults(),
                n -> { }).report().rejection()).contains("has no train-labels-idx1-ubyte");
        Path shortBatch = write(Archives.zip(entries("data_batch_1.bin", new byte[3000])));
        assertThat(DatasetValidator.validate(shortBatch, dir.resolve("p2"), DatasetValidator.Settings.defaults(),
                n -> { }).report().rejection()).contains("not a whole number of CIFAR-10 records");
    }

    /** One CIFAR-10 record per label, each with its own pixels. */
    private static byte[] cifarRecords(int... labels) {
        byte[] records = new byte[labels.length * 3073];
        java.util.Random random = new java.util.Random(labels.length);
        for (int i = 0; i < labels.length; i++) {
            records[i * 3073] = (byte) labels[i];
            byte[] pixels = new byte[3072];
            random.nextBytes(pixels);
            System.arraycopy(pixels, 0, records, i * 3073 + 1, 3072);
        }
        return records;
    }

    private Path write(byte[] archive) throws Exception {
        Path file = dir.resolve("archive");
        Files.write(file, archive);
        return file;
    }

    /** A real 2x2 PNG with its IHDR patched to 40000x40000 (CRC recomputed): a tiny file claiming 1.6 gigapixels. */
    private static byte[] hugeClaim() {
        byte[] png = greyPng(2, 0, 0);
        java.nio.ByteBuffer buffer = java.nio.ByteBuffer.wrap(png);
        buffer.putInt(16, 40_000).putInt(20, 40_000);
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(png, 12, 17);
        buffer.putInt(29, (int) crc.getValue());
        return png;
    }
}
