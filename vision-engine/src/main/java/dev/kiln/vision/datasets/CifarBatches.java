package dev.kiln.vision.datasets;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * The files of the CIFAR-10 binary version and their structural checks: each batch is 10,000
 * records of 1 label byte (0..9) then 3,072 pixel bytes (1,024 red, then green, then blue, each
 * 32x32 row-major); batches.meta.txt names the 10 classes, one per line.
 */
final class CifarBatches {

    static final String BATCH_DIR = "cifar-10-batches-bin";
    static final int RECORDS_PER_BATCH = 10_000;
    static final int RECORD_BYTES = 1 + 3 * 32 * 32;
    static final int CLASSES = 10;
    static final List<String> BATCH_FILES = List.of("data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin",
            "data_batch_4.bin", "data_batch_5.bin", "test_batch.bin");
    static final String META_FILE = "batches.meta.txt";
    static final List<String> FILES = Stream.concat(BATCH_FILES.stream(), Stream.of(META_FILE)).toList();

    static final CifarBatches OFFICIAL = new CifarBatches(RECORDS_PER_BATCH);

    private final int recordsPerBatch;

    /** Only tests pass another record count, to keep fixtures small; production uses {@link #OFFICIAL}. */
    CifarBatches(int recordsPerBatch) {
        this.recordsPerBatch = recordsPerBatch;
    }

    /** The folder holding the files: dir itself, or dir/cifar-10-batches-bin as the archive unpacks. */
    static Path locate(Path dir) throws DatasetException {
        if (!Files.isDirectory(dir)) {
            throw new DatasetException(dir + " is not a folder: point --from at the extracted " + BATCH_DIR + " folder");
        }
        Path batches = Files.isRegularFile(dir.resolve(BATCH_FILES.get(0))) ? dir : dir.resolve(BATCH_DIR);
        List<String> missing = FILES.stream().filter(file -> !Files.isRegularFile(batches.resolve(file))).toList();
        if (!missing.isEmpty()) {
            throw new DatasetException(batches + " lacks " + String.join(", ", missing) + ": --from needs the"
                    + " extracted binary version (" + BATCH_DIR + "), not the Python or MATLAB version");
        }
        return batches;
    }

    /** Copies the files from source into target and validates the copies. */
    void copy(Path source, Path target) throws IOException {
        for (String file : FILES) {
            Files.copy(source.resolve(file), target.resolve(file));
        }
        validate(target);
    }

    void validate(Path dir) throws IOException {
        for (String name : BATCH_FILES) {
            readBatch(dir.resolve(name));
        }
        readClassNames(dir.resolve(META_FILE));
    }

    /** Reads one batch file after checking its size and every record's label; errors name the file. */
    byte[] readBatch(Path file) throws IOException {
        String name = file.getFileName().toString();
        long expectedSize = (long) recordsPerBatch * RECORD_BYTES;
        long size = Files.size(file);
        if (size != expectedSize) {
            throw new IOException(name + ": " + size + " bytes, expected " + expectedSize + " (" + recordsPerBatch
                    + " records of " + RECORD_BYTES + " bytes); not a complete CIFAR-10 binary batch");
        }
        byte[] records = Files.readAllBytes(file);
        for (int record = 0; record < recordsPerBatch; record++) {
            int label = records[record * RECORD_BYTES] & 0xff;
            if (label >= CLASSES) {
                throw new IOException(name + ": record " + record + " (counting from 0) has label " + label
                        + ", expected 0..9; the file is corrupt");
            }
        }
        return records;
    }

    /** The class names in batches.meta.txt, one per line (blank lines, as the official file ends, skipped). */
    static List<String> readClassNames(Path metaFile) throws IOException {
        List<String> names = Files.readAllLines(metaFile, StandardCharsets.UTF_8).stream()
                .filter(line -> !line.isBlank()).map(String::strip).toList();
        if (names.size() != CLASSES) {
            throw new IOException(metaFile.getFileName() + ": " + names.size() + " class names, expected " + CLASSES);
        }
        return names;
    }
}
