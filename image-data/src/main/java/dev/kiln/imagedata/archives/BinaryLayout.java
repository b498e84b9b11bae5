package dev.kiln.imagedata.archives;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A data set as binary files, found by their names anywhere in the archive: IDX files in the MNIST layout
 * ({@code train-images-idx3-ubyte} and {@code train-labels-idx1-ubyte}, optionally {@code t10k-} or
 * {@code test-} ones for the test split, each possibly {@code .gz}; class names from an optional
 * {@code classes.txt}, one per line, else the labels' numbers), or CIFAR-10 binary batches
 * ({@code data_batch_N.bin}, optionally {@code test_batch.bin}; class names from {@code batches.meta.txt}).
 *
 * @param splitFiles per split ({@code train}, {@code test}), the archive paths to read, in order: for IDX the
 *                   images then the labels, for CIFAR the batches
 * @param classNames the path of the class-name file, or null
 */
public record BinaryLayout(Format kind, Map<String, List<String>> splitFiles, String classNames)
        implements ArchiveLayout {

    /** The binary formats read. */
    public enum Format {
        IDX("idx"), CIFAR("cifar-binary");

        private final String label;

        Format(String label) {
            this.label = label;
        }
    }

    private static final Pattern IDX = Pattern.compile("(train|t10k|test)-(images-idx3|labels-idx1)-ubyte(\\.gz)?");
    private static final Pattern CIFAR_TRAIN = Pattern.compile("data_batch_[0-9]+\\.bin");

    @Override
    public String format() {
        return kind.label;
    }

    @Override
    public String describe() {
        return format() + ": " + splitFiles;
    }

    /** The binary layout of these files, null when none of them is IDX or CIFAR. */
    static BinaryLayout find(List<String> files) throws ArchiveRejectedException {
        Map<String, String> idx = new LinkedHashMap<>();
        List<String> cifarTrain = new ArrayList<>();
        String cifarTest = null;
        String classesTxt = null;
        String batchesMeta = null;
        for (String path : files) {
            String name = path.substring(path.lastIndexOf('/') + 1);
            if (IDX.matcher(name).matches()) {
                String key = name.replace(".gz", "").replace("test-", "t10k-");
                if (idx.put(key, path) != null) {
                    throw new ArchiveRejectedException("two files for " + key + " (" + path + ")");
                }
            } else if (CIFAR_TRAIN.matcher(name).matches()) {
                cifarTrain.add(path);
            } else if (name.equals("test_batch.bin")) {
                cifarTest = path;
            } else if (name.equals("classes.txt")) {
                classesTxt = path;
            } else if (name.equals("batches.meta.txt")) {
                batchesMeta = path;
            }
        }
        if (!idx.isEmpty() && (!cifarTrain.isEmpty() || cifarTest != null)) {
            throw new ArchiveRejectedException("the archive holds both IDX files and CIFAR-10 batches: upload one data"
                    + " set per archive");
        }
        if (!idx.isEmpty()) {
            Map<String, List<String>> splits = new LinkedHashMap<>();
            for (String split : List.of("train", "t10k")) {
                String images = idx.get(split + "-images-idx3-ubyte");
                String labels = idx.get(split + "-labels-idx1-ubyte");
                if (images == null && labels == null) {
                    continue;
                }
                if (images == null || labels == null) {
                    throw new ArchiveRejectedException((images == null ? labels + " has no " + split
                            + "-images-idx3-ubyte" : images + " has no " + split + "-labels-idx1-ubyte")
                            + ": IDX data needs images and labels together");
                }
                splits.put(split.equals("t10k") ? "test" : "train", List.of(images, labels));
            }
            if (!splits.containsKey("train")) {
                throw new ArchiveRejectedException("IDX files without train-images-idx3-ubyte and"
                        + " train-labels-idx1-ubyte: the training split is required");
            }
            return new BinaryLayout(Format.IDX, splits, classesTxt);
        }
        if (!cifarTrain.isEmpty() || cifarTest != null) {
            if (cifarTrain.isEmpty()) {
                throw new ArchiveRejectedException("test_batch.bin without any data_batch_N.bin: the training split is"
                        + " required");
            }
            cifarTrain.sort(null);
            Map<String, List<String>> splits = new LinkedHashMap<>();
            splits.put("train", List.copyOf(cifarTrain));
            if (cifarTest != null) {
                splits.put("test", List.of(cifarTest));
            }
            return new BinaryLayout(Format.CIFAR, splits, batchesMeta);
        }
        return null;
    }
}
