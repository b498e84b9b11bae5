package dev.kiln.imagedata.binary;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxFileTest {

    @TempDir
    Path dir;

    private static final IdxFile IMAGES = new IdxFile(new int[] {3, 2, 2},
            new byte[] {0, 1, 2, 3, 4, 5, 6, 7, (byte) 128, (byte) 200, (byte) 254, (byte) 255});

    @Test
    void roundTripsUncompressed() throws IOException {
        Path file = dir.resolve("images-idx3-ubyte");
        IMAGES.write(file);

        assertThat(Files.readAllBytes(file)).startsWith(0, 0, 8, 3, 0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 2).hasSize(16 + 12);
        IdxFile read = IdxFile.read(file);
        assertThat(read.dimensions()).containsExactly(3, 2, 2);
        assertThat(read.data()).isEqualTo(IMAGES.data());
        assertThat(read.count()).isEqualTo(3);
        assertThat(read.itemSize()).isEqualTo(4);
        assertThat(read.magic()).isEqualTo(0x00000803);
        assertThat(read.data()[11] & 0xff).isEqualTo(255);
    }

    @Test
    void roundTripsGzippedAndDetectsGzipByContent() throws IOException {
        Path gz = dir.resolve("images-idx3-ubyte.gz");
        IMAGES.write(gz);
        assertThat(Files.readAllBytes(gz)).startsWith(0x1f, 0x8b);

        Path renamed = Files.move(gz, dir.resolve("no-extension"));
        IdxFile read = IdxFile.read(renamed);
        assertThat(read.dimensions()).containsExactly(3, 2, 2);
        assertThat(read.data()).isEqualTo(IMAGES.data());
    }

    @Test
    void gzipOutputIsReproducible() throws IOException {
        Path first = dir.resolve("a.gz");
        Path second = dir.resolve("b.gz");
        IMAGES.write(first);
        IMAGES.write(second);

        byte[] bytes = Files.readAllBytes(first);
        assertThat(bytes).isEqualTo(Files.readAllBytes(second));
        assertThat(Arrays.copyOfRange(bytes, 4, 8)).as("gzip MTIME").containsOnly(0);
        assertThat(bytes[3]).as("gzip FLG: no file name").isZero();
    }

    @Test
    void labelsHaveOneDimension() throws IOException {
        Path file = dir.resolve("labels-idx1-ubyte.gz");
        new IdxFile(new int[] {4}, new byte[] {9, 0, 3, 1}).write(file);

        IdxFile labels = IdxFile.read(file);
        assertThat(labels.magic()).isEqualTo(0x00000801);
        assertThat(labels.itemSize()).isEqualTo(1);
        assertThat(labels.data()).containsExactly(9, 0, 3, 1);
    }

    @Test
    void rejectsDataThatDoesNotMatchTheDimensions() {
        assertThatIllegalArgumentException().isThrownBy(() -> new IdxFile(new int[] {2, 2}, new byte[3]))
                .withMessageContaining("2x2");
        assertThatIllegalArgumentException().isThrownBy(() -> new IdxFile(new int[0], new byte[0]));
    }

    @Test
    void rejectsWrongMagic() throws IOException {
        Path file = Files.write(dir.resolve("photo.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 0, 0, 0, 0});

        assertThatThrownBy(() -> IdxFile.read(file)).isInstanceOf(IOException.class)
                .hasMessageContaining("photo.png").hasMessageContaining("wrong magic number 0x89504e47");
    }

    @Test
    void rejectsOtherElementTypes() throws IOException {
        Path file = Files.write(dir.resolve("floats"), header(0x0D, 1));

        assertThatThrownBy(() -> IdxFile.read(file)).isInstanceOf(IOException.class)
                .hasMessageContaining("element type 0x0d").hasMessageContaining("only unsigned bytes");
    }

    @Test
    void rejectsTruncatedHeader() throws IOException {
        Path shortMagic = Files.write(dir.resolve("short"), new byte[] {0, 0});
        Path shortDimensions = Files.write(dir.resolve("dims"), Arrays.copyOf(header(0x08, 3, 10, 28), 4 + 8));

        assertThatThrownBy(() -> IdxFile.read(shortMagic)).hasMessageContaining("shorter than an IDX header");
        assertThatThrownBy(() -> IdxFile.read(shortDimensions)).hasMessageContaining("truncated header");
    }

    @Test
    void rejectsTruncatedData() throws IOException {
        Path file = dir.resolve("truncated-idx3-ubyte");
        IMAGES.write(file);
        byte[] bytes = Files.readAllBytes(file);
        Files.write(file, Arrays.copyOf(bytes, bytes.length - 2));

        assertThatThrownBy(() -> IdxFile.read(file)).isInstanceOf(IOException.class)
                .hasMessageContaining("truncated-idx3-ubyte")
                .hasMessageContaining("declares 3x2x2 = 12 data bytes, the file has only 10");
    }

    @Test
    void rejectsTrailingBytes() throws IOException {
        Path file = dir.resolve("long.gz");
        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        IMAGES.writeTo(raw);
        raw.write(42);
        try (GZIPOutputStream gzip = new GZIPOutputStream(Files.newOutputStream(file))) {
            gzip.write(raw.toByteArray());
        }

        assertThatThrownBy(() -> IdxFile.read(file)).isInstanceOf(IOException.class)
                .hasMessageContaining("long.gz").hasMessageContaining("trailing bytes after the 12 data bytes");
    }

    @Test
    void rejectsTruncatedGzip() throws IOException {
        Path file = dir.resolve("cut.gz");
        new IdxFile(new int[] {100, 28, 28}, randomBytes(100 * 28 * 28)).write(file);
        byte[] bytes = Files.readAllBytes(file);
        Files.write(file, Arrays.copyOf(bytes, bytes.length / 2));

        assertThatThrownBy(() -> IdxFile.read(file)).isInstanceOf(IOException.class)
                .hasMessageContaining("cut.gz").hasMessageContaining("corrupt or truncated gzip data");
    }

    @Test
    void rejectsImpossibleSizes() throws IOException {
        Path file = Files.write(dir.resolve("huge"), header(0x08, 3, 60_000, 60_000, 60_000));

        assertThatThrownBy(() -> IdxFile.read(file)).hasMessageContaining("more than the limit of");
    }

    private static byte[] header(int type, int rank, int... dimensions) {
        ByteBuffer header = ByteBuffer.allocate(4 + 4 * dimensions.length).put(new byte[] {0, 0, (byte) type, (byte) rank});
        Arrays.stream(dimensions).forEach(header::putInt);
        return header.array();
    }

    private static byte[] randomBytes(int size) {
        byte[] bytes = new byte[size];
        new Random(7).nextBytes(bytes);
        return bytes;
    }
}
