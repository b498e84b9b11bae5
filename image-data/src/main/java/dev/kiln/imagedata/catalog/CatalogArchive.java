package dev.kiln.imagedata.catalog;

import dev.kiln.contracts.runs.Catalog;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * A built-in data set, as installed by {@code ./kiln data}, turned into the archive a user would upload: its
 * files under the names the binary layout reads, plus its class names. Built-in data thereby takes the one path
 * every data set takes (validation, packing, a registered version pinned by digest). The archive is an
 * uncompressed tar whose bytes depend on the installed files alone (fixed order, times and modes), so every
 * worker and machine with the same files registers the same version.
 */
public final class CatalogArchive {

    /** Fashion-MNIST's class names, index = label. */
    public static final List<String> FASHION_MNIST_CLASSES = List.of("T-shirt/top", "Trouser", "Pullover", "Dress",
            "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");
    /** The ten digits "0" to "9", MNIST's class names. */
    public static final List<String> DIGITS = List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");
    /** CIFAR-10's class names, as its batches.meta.txt lists them. */
    public static final List<String> CIFAR10_CLASSES = List.of("airplane", "automobile", "bird", "cat", "deer", "dog",
            "frog", "horse", "ship", "truck");

    private static final String TRAIN_IMAGES = "train-images-idx3-ubyte.gz";
    private static final String TRAIN_LABELS = "train-labels-idx1-ubyte.gz";
    private static final String TEST_IMAGES = "t10k-images-idx3-ubyte.gz";
    private static final String TEST_LABELS = "t10k-labels-idx1-ubyte.gz";
    private static final List<String> IDX_SPLITS = List.of(TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS);
    private static final List<String> CIFAR_FILES = List.of("data_batch_1.bin", "data_batch_2.bin",
            "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin", "test_batch.bin", "batches.meta.txt");

    private final String dataset;
    /** Installed file by its name in the archive, in archive order. */
    private final Map<String, String> files;
    /** Written as classes.txt; null when the files name their classes themselves. */
    private final List<String> classNames;

    private CatalogArchive(String dataset, Map<String, String> files, List<String> classNames) {
        this.dataset = dataset;
        this.files = files;
        this.classNames = classNames;
    }

    /** @throws IllegalArgumentException for a name not in {@link Catalog#DATASETS} */
    public static CatalogArchive of(String dataset) {
        return switch (dataset) {
            case "fashion-mnist" -> new CatalogArchive(dataset, sameNames(IDX_SPLITS), FASHION_MNIST_CLASSES);
            case "mnist" -> new CatalogArchive(dataset, sameNames(IDX_SPLITS), DIGITS);
            // The sample is one split: it becomes the training split, and the fixed held-out fifth its test.
            case "mnist-sample" -> new CatalogArchive(dataset, renamed(TRAIN_IMAGES, "images-idx3-ubyte.gz",
                    TRAIN_LABELS, "labels-idx1-ubyte.gz"), DIGITS);
            case "cifar10" -> new CatalogArchive(dataset, sameNames(CIFAR_FILES), null);
            default -> throw new IllegalArgumentException("unknown data set '" + dataset + "'; one of "
                    + Catalog.DATASETS);
        };
    }

    /** The built-in data sets installed under {@code dataDir}, in catalog order. */
    public static List<CatalogArchive> installed(Path dataDir) {
        return Catalog.DATASETS.stream().map(CatalogArchive::of).filter(archive -> archive.isInstalledIn(dataDir))
                .toList();
    }

    public String dataset() {
        return dataset;
    }

    /** What a registered built-in data set says about itself. */
    public String description() {
        return "Built in: the files ./kiln data " + dataset + " installs, registered by the trainers that have them";
    }

    /** Whether {@code ./kiln data} installed every file of it under {@code dataDir}. */
    public boolean isInstalledIn(Path dataDir) {
        return files.values().stream().allMatch(file -> Files.isRegularFile(dataDir.resolve(dataset).resolve(file)));
    }

    /**
     * Writes the archive of the files installed under {@code dataDir} to a new file {@code target}.
     *
     * @throws NoSuchFileException naming the install command when a file is missing
     */
    public Path writeTo(Path dataDir, Path target) throws IOException {
        if (!isInstalledIn(dataDir)) {
            throw new NoSuchFileException(dataDir.resolve(dataset).toString(), null, dataset + " is not installed:"
                    + " run ./kiln data " + dataset + (dataset.equals("cifar10") ? " --from DIR (or --download)" : ""));
        }
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(Files.newOutputStream(target))) {
            for (Map.Entry<String, String> file : files.entrySet()) {
                Path installed = dataDir.resolve(dataset).resolve(file.getValue());
                tar.putArchiveEntry(entry(file.getKey(), Files.size(installed)));
                Files.copy(installed, tar);
                tar.closeArchiveEntry();
            }
            if (classNames != null) {
                byte[] names = (String.join("\n", classNames) + "\n").getBytes(StandardCharsets.UTF_8);
                tar.putArchiveEntry(entry("classes.txt", names.length));
                tar.write(names);
                tar.closeArchiveEntry();
            }
            tar.finish();
        }
        return target;
    }

    private static TarArchiveEntry entry(String name, long size) {
        TarArchiveEntry entry = new TarArchiveEntry(name);
        entry.setSize(size);
        entry.setMode(0100644);
        entry.setModTime(0L);
        // The entry would carry this process's user name otherwise, and the digest with it.
        entry.setUserName("");
        entry.setGroupName("");
        entry.setIds(0, 0);
        return entry;
    }

    private static Map<String, String> sameNames(List<String> names) {
        Map<String, String> files = new LinkedHashMap<>();
        names.forEach(name -> files.put(name, name));
        return files;
    }

    /** Archive name, installed name, archive name, installed name... */
    private static Map<String, String> renamed(String... pairs) {
        Map<String, String> files = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            files.put(pairs[i], pairs[i + 1]);
        }
        return files;
    }
}
