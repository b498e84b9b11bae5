package dev.kiln.imagedata.binary;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Collectors;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipException;

/**
 * An IDX file (the MNIST format) of unsigned bytes: a big-endian header of two zero bytes, the
 * element type 0x08, the number of dimensions and each dimension as a 32-bit int, then the data in
 * row-major order. Files may be gzipped; {@link #read} detects that by the gzip magic number.
 *
 * <p>The arrays are not copied (a training set is ~47 MB): treat them as read-only.
 */
public record IdxFile(int[] dimensions, byte[] data) {

    private static final int UNSIGNED_BYTE = 0x08;
    private static final int GZIP_MAGIC_1 = 0x1f;
    private static final int GZIP_MAGIC_2 = 0x8b;
    private static final int BUFFER_SIZE = 1 << 16;
    private static final long MAX_DATA_BYTES = Integer.MAX_VALUE - 8;

    public IdxFile {
        if (dimensions.length == 0 || dimensions.length > 255) {
            throw new IllegalArgumentException("an IDX file has 1 to 255 dimensions, not " + dimensions.length);
        }
        if (Arrays.stream(dimensions).anyMatch(d -> d < 0)) {
            throw new IllegalArgumentException("negative dimension in " + shape(dimensions));
        }
        if (elementCount(dimensions) != data.length) {
            throw new IllegalArgumentException("dimensions " + shape(dimensions) + " describe "
                    + elementCount(dimensions) + " bytes, but the data has " + data.length);
        }
    }

    /** The first dimension: the number of items (images, labels). */
    public int count() {
        return dimensions[0];
    }

    /** Bytes per item: the product of all dimensions but the first. */
    public int itemSize() {
        return (int) elementCount(Arrays.copyOfRange(dimensions, 1, dimensions.length));
    }

    /** The header's magic number, e.g. 0x00000803 for unsigned-byte images with 3 dimensions. */
    public int magic() {
        return UNSIGNED_BYTE << 8 | dimensions.length;
    }

    /** Dimensions as text, e.g. "60000x28x28". */
    public String shape() {
        return shape(dimensions);
    }

    /** Reads a file, gzipped or not; any corruption gives an IOException that names the file. */
    public static IdxFile read(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return read(in, file.toString(), MAX_DATA_BYTES);
        }
    }

    /**
     * Reads one from a stream (an archive's entry), refusing a header that declares more than {@code maxDataBytes}
     * before allocating them: a few hostile bytes can claim two gigabytes.
     *
     * @param file the name errors give
     */
    public static IdxFile read(InputStream stream, String file, long maxDataBytes) throws IOException {
        try {
            return read(new BufferedInputStream(stream, BUFFER_SIZE), file, Math.min(maxDataBytes, MAX_DATA_BYTES));
        } catch (EOFException | ZipException e) {
            throw new IOException(file + ": corrupt or truncated gzip data (" + e.getMessage() + ")", e);
        }
    }

    private static IdxFile read(BufferedInputStream in, String file, long maxDataBytes) throws IOException {
        in.mark(2);
        boolean gzip = in.read() == GZIP_MAGIC_1 && in.read() == GZIP_MAGIC_2;
        in.reset();
        InputStream source = gzip ? new GZIPInputStream(in, BUFFER_SIZE) : in;

        byte[] head = source.readNBytes(4);
        if (head.length < 4) {
            throw corrupt(file, "shorter than an IDX header (" + head.length + " of 4 magic bytes)");
        }
        int magic = ByteBuffer.wrap(head).getInt();
        int rank = head[3] & 0xff;
        if (head[0] != 0 || head[1] != 0 || rank == 0) {
            throw corrupt(file, String.format("wrong magic number 0x%08x: not an IDX file", magic));
        }
        if (head[2] != UNSIGNED_BYTE) {
            throw corrupt(file, String.format(
                    "magic number 0x%08x declares element type 0x%02x; only unsigned bytes (0x08) are supported",
                    magic, head[2] & 0xff));
        }

        byte[] dimensionBytes = source.readNBytes(4 * rank);
        if (dimensionBytes.length < 4 * rank) {
            throw corrupt(file, "truncated header: " + rank + " dimensions declared, the file ends after "
                    + dimensionBytes.length / 4);
        }
        int[] dimensions = new int[rank];
        ByteBuffer.wrap(dimensionBytes).asIntBuffer().get(dimensions);
        if (Arrays.stream(dimensions).anyMatch(d -> d < 0)) {
            throw corrupt(file, "header declares a dimension over 2^31: " + shape(dimensions));
        }
        long size = elementCount(dimensions);
        if (size > maxDataBytes) {
            throw corrupt(file, "header declares " + shape(dimensions) + " = " + size
                    + " data bytes, more than the limit of " + maxDataBytes);
        }

        byte[] data = new byte[(int) size];
        int read = source.readNBytes(data, 0, data.length);
        if (read < data.length) {
            throw corrupt(file, "truncated: the header declares " + shape(dimensions) + " = " + size
                    + " data bytes, the file has only " + read);
        }
        if (source.read() != -1) {
            throw corrupt(file, "trailing bytes after the " + size + " data bytes the header declares ("
                    + shape(dimensions) + ")");
        }
        return new IdxFile(dimensions, data);
    }

    /**
     * Writes the file, gzipped when its name ends in ".gz". Java's gzip header carries no file name
     * and a zero modification time, so the same content gives the same bytes with the same deflater.
     */
    public void write(Path file) throws IOException {
        try (OutputStream out = Files.newOutputStream(file)) {
            if (file.getFileName().toString().endsWith(".gz")) {
                try (GZIPOutputStream gzip = new GZIPOutputStream(out, BUFFER_SIZE)) {
                    writeTo(gzip);
                }
            } else {
                writeTo(out);
            }
        }
    }

    /** Writes the uncompressed IDX bytes: header, then data. */
    public void writeTo(OutputStream out) throws IOException {
        ByteBuffer header = ByteBuffer.allocate(4 + 4 * dimensions.length).putInt(magic());
        for (int dimension : dimensions) {
            header.putInt(dimension);
        }
        out.write(header.array());
        out.write(data);
    }

    private static long elementCount(int[] dimensions) {
        long count = 1;
        try {
            for (int dimension : dimensions) {
                count = Math.multiplyExact(count, dimension);
            }
        } catch (ArithmeticException overflow) {
            return Long.MAX_VALUE;
        }
        return count;
    }

    private static String shape(int[] dimensions) {
        return Arrays.stream(dimensions).mapToObj(Integer::toString).collect(Collectors.joining("x"));
    }

    private static IOException corrupt(String file, String problem) {
        return new IOException(file + ": " + problem);
    }
}
