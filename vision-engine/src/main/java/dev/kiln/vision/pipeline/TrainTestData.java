package dev.kiln.vision.pipeline;

import dev.kiln.contracts.datasets.ValidationReport;
import dev.kiln.imagedata.catalog.CatalogArchive;
import dev.kiln.imagedata.packing.PackedImages;
import dev.kiln.imagedata.validation.DatasetValidator;
import dev.kiln.vision.datasets.ImageSet;
import dev.kiln.vision.datasets.ImageSets;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * A data set as its training part (split further into train and
 * validation by the run's seed) and its test part, which training never sees.
 */
public record TrainTestData(String name, ImageSet train, ImageSet test) {

    /**
     * The MNIST sample has no test split, nor may a registered version: a fixed stratified 20% is held out, the
     * same for every run.
     */
    static final double MNIST_SAMPLE_TEST_FRACTION = 0.2;
    static final long MNIST_SAMPLE_SPLIT_SEED = 20_261_122L;

    /**
     * A built-in data set, read the way the platform reads every data set: its files as the archive a user would
     * upload ({@link CatalogArchive}), validated and packed, then {@linkplain #packed read}.
     *
     * @param dataDir the folder {@code ./kiln data} installs into (each data set in a sub-folder)
     * @throws NoSuchFileException naming the install command when the data set is not there
     */
    public static TrainTestData load(String dataset, Path dataDir) throws IOException {
        CatalogArchive catalog = CatalogArchive.of(dataset);
        Path work = Files.createTempDirectory("kiln-" + dataset + "-");
        try {
            Path archive = catalog.writeTo(dataDir, work.resolve("archive.tar"));
            Path packed = work.resolve("packed");
            ValidationReport report = DatasetValidator.validate(archive, packed, DatasetValidator.Settings.defaults(),
                    images -> { }).report();
            if (!report.ready()) {
                throw new IOException(dataDir.resolve(dataset) + " is not a valid " + dataset + ": "
                        + report.rejection() + "; install it again with ./kiln data " + dataset);
            }
            return packed(dataset, PackedImages.read(packed));
        } finally {
            try (Stream<Path> files = Files.walk(work)) {
                files.sorted(Comparator.reverseOrder()).forEach(file -> file.toFile().delete());
            }
        }
    }

    /** Only the classes {@code first} to {@code last} (inclusive), relabelled from 0, as {@code name[first-last]}. */
    public TrainTestData classRange(int first, int last) {
        return new TrainTestData(name + "[" + first + "-" + last + "]", train.classRange(first, last),
                test.classRange(first, last));
    }

    /** The same images at {@code size} x {@code size} (bilinear), or these when that is their size already. */
    public TrainTestData resized(int size) {
        if (train.height() == size && train.width() == size) {
            return this;
        }
        return new TrainTestData(name, ImageSets.resized(train, size, size), ImageSets.resized(test, size, size));
    }

    /**
     * A registered data set version as packed: its train images (and {@code val/}'s, from which each run holds
     * out its own validation split like any other), and its test images; a version without {@code test/} has a
     * fixed stratified 20% of its images held out instead, the same for every run.
     *
     * @param name the version's name as runs show it ({@code flowers@3})
     */
    public static TrainTestData packed(String name, PackedImages.Packed packed) {
        PackedImages.Header header = packed.header();
        ImageSet train = join(header, packed.splits().get("train"), packed.splits().get("val"));
        PackedImages.Split test = packed.splits().get("test");
        if (test == null) {
            DataSplit split = DataSplit.of(train, MNIST_SAMPLE_TEST_FRACTION, MNIST_SAMPLE_SPLIT_SEED);
            return new TrainTestData(name, split.kept(), split.heldOut());
        }
        return new TrainTestData(name, train, join(header, test, null));
    }

    private static ImageSet join(PackedImages.Header header, PackedImages.Split first, PackedImages.Split second) {
        if (second == null) {
            return new ImageSet(header.classes(), header.channels(), header.height(), header.width(), first.pixels(),
                    first.labels());
        }
        byte[] pixels = Arrays.copyOf(first.pixels(), first.pixels().length + second.pixels().length);
        System.arraycopy(second.pixels(), 0, pixels, first.pixels().length, second.pixels().length);
        int[] labels = Arrays.copyOf(first.labels(), first.labels().length + second.labels().length);
        System.arraycopy(second.labels(), 0, labels, first.labels().length, second.labels().length);
        return new ImageSet(header.classes(), header.channels(), header.height(), header.width(), pixels, labels);
    }
}
