package dev.kiln.vision.pipeline;

import dev.kiln.vision.datasets.ImageSet;
import dev.kiln.vision.datasets.ImageSets;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/**
 * A data set installed by {@code ./kiln data}, as its training part (split further into train and
 * validation by the run's seed) and its test part, which training never sees.
 */
public record TrainTestData(String name, ImageSet train, ImageSet test) {

    /** The MNIST sample has no test split: a fixed stratified 20% is held out, the same for every run. */
    static final double MNIST_SAMPLE_TEST_FRACTION = 0.2;
    static final long MNIST_SAMPLE_SPLIT_SEED = 20_261_122L;

    /**
     * @param dataDir the folder {@code ./kiln data} installs into (each data set in a sub-folder)
     * @throws NoSuchFileException naming the install command when the data set is not there
     */
    public static TrainTestData load(String dataset, Path dataDir) throws IOException {
        Path dir = dataDir.resolve(dataset);
        if (!Files.isDirectory(dir)) {
            throw new NoSuchFileException(dir.toString(), null, dataset + " is not installed: run ./kiln data "
                    + dataset + (dataset.equals("cifar10") ? " --from DIR (or --download)" : ""));
        }
        return switch (dataset) {
            case "fashion-mnist" -> new TrainTestData(dataset,
                    ImageSets.idx(dir.resolve("train-images-idx3-ubyte.gz"), dir.resolve("train-labels-idx1-ubyte.gz"),
                            ImageSets.FASHION_MNIST_CLASSES),
                    ImageSets.idx(dir.resolve("t10k-images-idx3-ubyte.gz"), dir.resolve("t10k-labels-idx1-ubyte.gz"),
                            ImageSets.FASHION_MNIST_CLASSES));
            case "mnist-sample" -> {
                ImageSet all = ImageSets.idx(dir.resolve("images-idx3-ubyte.gz"), dir.resolve("labels-idx1-ubyte.gz"),
                        ImageSets.DIGITS);
                DataSplit split = DataSplit.of(all, MNIST_SAMPLE_TEST_FRACTION, MNIST_SAMPLE_SPLIT_SEED);
                yield new TrainTestData(dataset, split.kept(), split.heldOut());
            }
            case "cifar10" -> new TrainTestData(dataset,
                    ImageSets.cifarBatches(dir, List.of("data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin",
                            "data_batch_4.bin", "data_batch_5.bin")),
                    ImageSets.cifarBatches(dir, List.of("test_batch.bin")));
            default -> throw new IllegalArgumentException("unknown data set '" + dataset + "'");
        };
    }
}
