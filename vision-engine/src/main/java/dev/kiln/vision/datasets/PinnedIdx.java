package dev.kiln.vision.datasets;

import dev.kiln.imagedata.binary.IdxFile;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * A data file whose header and uncompressed IDX content are pinned. Pinning the content rather than
 * the .gz bytes keeps a file valid when it is recompressed (another deflater or gzip version).
 *
 * @param sha256 SHA-256 of the uncompressed IDX bytes ({@code zcat FILE | sha256sum})
 */
record PinnedIdx(String fileName, int[] dimensions, String sha256) {

    /** Reads dir/fileName and checks its header and content against the pin. */
    void verify(Path dir) throws IOException {
        IdxFile idx = IdxFile.read(dir.resolve(fileName));
        if (!Arrays.equals(idx.dimensions(), dimensions)) {
            throw new IOException(String.format("%s: header has magic 0x%08x and dimensions %s, expected 0x%08x and %s",
                    fileName, idx.magic(), idx.shape(), 0x0800 | dimensions.length, shape()));
        }
        String actual = Checksums.sha256(idx);
        if (!actual.equals(sha256)) {
            throw new IOException(fileName + ": content SHA-256 " + actual + " differs from the pinned " + sha256
                    + "; the source changed or is corrupt");
        }
    }

    private String shape() {
        return Arrays.stream(dimensions).mapToObj(Integer::toString).collect(Collectors.joining("x"));
    }
}
