package dev.kiln.vision.datasets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kiln.imagedata.binary.IdxFile;
import dev.kiln.vision.RepoFiles;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ImageSetsTest {

    private static final List<String> THREE = List.of("a", "b", "c");
    private static final int CIFAR_IMAGE = 3 * 32 * 32;

    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"", ".gz"})
    void readsAnIdxPairGzippedOrPlain(String suffix) throws IOException {
        byte[] pixels = {0, 1, 2, 3, 4, 5, (byte) 250, (byte) 255};
        Path images = write(new IdxFile(new int[] {2, 2, 2}, pixels), "images" + suffix);
        Path labels = write(new IdxFile(new int[] {2}, new byte[] {2, 0}), "labels" + suffix);

        ImageSet set = ImageSets.idx(images, labels, THREE);

        assertThat(set.classes()).isEqualTo(THREE);
        assertThat(set.size()).isEqualTo(2);
        assertThat(List.of(set.channels(), set.height(), set.width())).containsExactly(1, 2, 2);
        assertThat(set.pixels()).isEqualTo(pixels);
        assertThat(set.labels()).containsExactly(2, 0);
    }

    @Test
    void rejectsIdxFilesWithDifferentCounts() throws IOException {
        Path images = write(new IdxFile(new int[] {3, 1, 1}, new byte[3]), "images.gz");
        Path labels = write(new IdxFile(new int[] {2}, new byte[2]), "labels.gz");

        assertThatThrownBy(() -> ImageSets.idx(images, labels, THREE))
                .isInstanceOf(IOException.class)
                .hasMessage(images + " holds 3 images but " + labels + " holds 2 labels; the two files do not belong"
                        + " together");
    }

    @Test
    void rejectsAnIdxLabelOutsideTheClassesAndImagesWithoutRows() throws IOException {
        Path images = write(new IdxFile(new int[] {2, 1, 1}, new byte[2]), "images");
        Path labels = write(new IdxFile(new int[] {2}, new byte[] {1, 3}), "labels");
        Path flat = write(new IdxFile(new int[] {2, 1}, new byte[2]), "flat");

        assertThatThrownBy(() -> ImageSets.idx(images, labels, THREE))
                .isInstanceOf(IOException.class)
                .hasMessage(labels + ": label 3 at position 1 (counting from 0), expected 0..2");
        assertThatThrownBy(() -> ImageSets.idx(flat, labels, THREE))
                .isInstanceOf(IOException.class)
                .hasMessage(flat + ": dimensions 2x1, expected count x height x width");
    }

    @Test
    void readsCifarBatchesChannelFirstInFileOrder() throws IOException {
        Path dir = CifarFixture.write(tmp.resolve("cifar"));
        Path secondBatch = dir.resolve("data_batch_2.bin");
        CifarFixture.setPlanes(secondBatch, 3, 255, 0, 0);

        ImageSet set = read(dir, List.of("data_batch_1.bin", "data_batch_2.bin"));

        assertThat(set.size()).isEqualTo(2 * CifarFixture.RECORDS);
        assertThat(List.of(set.channels(), set.height(), set.width())).containsExactly(3, 32, 32);
        assertThat(set.classes()).isEqualTo(ImageSets.CIFAR10_CLASSES);
        // The fixture labels batch b, record r as (r + b) % 10.
        assertThat(set.labels()).containsExactly(IntStream.range(0, set.size())
                .map(i -> (i % CifarFixture.RECORDS + i / CifarFixture.RECORDS) % 10).toArray());
        byte[] redImage = image(set, CifarFixture.RECORDS + 3);
        assertThat(Arrays.copyOfRange(redImage, 0, 1024)).containsOnly((byte) 255);
        assertThat(Arrays.copyOfRange(redImage, 1024, CIFAR_IMAGE)).containsOnly((byte) 0);
        byte[] firstRecord = Arrays.copyOfRange(Files.readAllBytes(dir.resolve("data_batch_1.bin")), 1,
                CifarBatches.RECORD_BYTES);
        assertThat(image(set, 0)).isEqualTo(firstRecord);
    }

    @Test
    void takesCifarClassNamesFromTheMetaFileElseTheStandardOnes() throws IOException {
        Path dir = CifarFixture.write(tmp.resolve("cifar"));
        List<String> renamed = ImageSets.CIFAR10_CLASSES.stream().map(String::toUpperCase).toList();
        Files.write(dir.resolve(CifarBatches.META_FILE), renamed);

        assertThat(read(dir, List.of("test_batch.bin")).classes()).isEqualTo(renamed);

        Files.delete(dir.resolve(CifarBatches.META_FILE));

        assertThat(read(dir, List.of("test_batch.bin")).classes()).isEqualTo(ImageSets.CIFAR10_CLASSES);
    }

    @Test
    void rejectsATruncatedOrOversizedCifarBatchNamingFileAndSizes() throws IOException {
        Path dir = CifarFixture.write(tmp.resolve("cifar"));
        Path batch = dir.resolve("test_batch.bin");
        byte[] records = Files.readAllBytes(batch);

        Files.write(batch, Arrays.copyOf(records, records.length - 1));
        assertThatThrownBy(() -> read(dir, List.of("test_batch.bin")))
                .isInstanceOf(IOException.class)
                .hasMessageStartingWith("test_batch.bin: 36875 bytes, expected 36876 (12 records of 3073 bytes)");

        Files.write(batch, Arrays.copyOf(records, records.length + 1));
        assertThatThrownBy(() -> read(dir, List.of("test_batch.bin")))
                .hasMessageStartingWith("test_batch.bin: 36877 bytes, expected 36876");

        // The public reader wants the official 10,000 records, so a 12-record file is truncated to it.
        assertThatThrownBy(() -> ImageSets.cifarBatches(dir, List.of("data_batch_1.bin")))
                .isInstanceOf(IOException.class)
                .hasMessageStartingWith("data_batch_1.bin: 36876 bytes, expected 30730000 (10000 records of 3073"
                        + " bytes)");
    }

    @Test
    void readsAnImageFolderWithLabelsInFolderOrder() throws Exception {
        writeImage(tmp.resolve("cat/1.png"), uniform(4, 4, new Color(255, 0, 0)), "png");
        writeImage(tmp.resolve("ant/b.jpg"), uniform(4, 4, new Color(0, 0, 255)), "jpg");
        writeImage(tmp.resolve("ant/a.PNG"), uniform(4, 4, new Color(0, 255, 0)), "png");
        writeImage(tmp.resolve(".thumbnails/x.png"), uniform(4, 4, Color.WHITE), "png");
        Files.writeString(tmp.resolve("ant/notes.txt"), "not an image");
        Files.writeString(tmp.resolve("ant/.hidden.png"), "not an image either");
        Files.writeString(tmp.resolve("README"), "files next to the class folders are ignored");

        ImageSet set = ImageSets.imageFolder(tmp, 3, 4, 4);

        assertThat(set.classes()).containsExactly("ant", "cat");
        assertThat(set.labels()).containsExactly(0, 0, 1);
        assertThat(planes(set, 0)).containsExactly(0, 255, 0);
        // JPEG is lossy: a uniform blue comes back close to, not exactly, (0, 0, 255).
        int[] blue = planes(set, 1);
        assertThat(blue[0]).isLessThan(8);
        assertThat(blue[1]).isLessThan(8);
        assertThat(blue[2]).isGreaterThan(247);
        assertThat(planes(set, 2)).containsExactly(255, 0, 0);
    }

    @Test
    void convertsToGreyAndResizes() throws Exception {
        writeImage(tmp.resolve("colour/orange.png"), uniform(8, 6, new Color(200, 100, 50)), "png");
        BufferedImage halves = new BufferedImage(8, 8, BufferedImage.TYPE_BYTE_GRAY);
        halves.getRaster().setSamples(4, 0, 4, 8, 0, filled(32, 255));
        writeImage(tmp.resolve("grey/halves.png"), halves, "png");
        BufferedImage level = new BufferedImage(4, 4, BufferedImage.TYPE_BYTE_GRAY);
        level.getRaster().setSamples(0, 0, 4, 4, 0, filled(16, 100));
        writeImage(tmp.resolve("grey/level.png"), level, "png");

        ImageSet set = ImageSets.imageFolder(tmp, 1, 4, 4);

        assertThat(List.of(set.channels(), set.height(), set.width())).containsExactly(1, 4, 4);
        // PIL's luma of (200, 100, 50), rounded: 0.299 * 200 + 0.587 * 100 + 0.114 * 50 = 124.2.
        assertThat(image(set, 0)).containsOnly((byte) 124);
        byte[] halved = image(set, 1);
        for (int row = 0; row < 4; row++) {
            assertThat(Arrays.copyOfRange(halved, row * 4, row * 4 + 4)).containsExactly(0, 0, 255, 255);
        }
        assertThat(image(set, 2)).containsOnly((byte) 100);
    }

    @Test
    void rejectsAnUndecodableImageNamingTheFile() throws Exception {
        Path garbage = tmp.resolve("garbage/broken.png");
        Files.createDirectories(garbage.getParent());
        Files.writeString(garbage, "this is no PNG");

        assertThatThrownBy(() -> ImageSets.imageFolder(tmp, 1, 4, 4))
                .isInstanceOf(IOException.class)
                .hasMessage(garbage + ": not an image ImageIO can decode (PNG or JPEG expected)");

        Files.delete(garbage);
        Path truncated = tmp.resolve("garbage/truncated.png");
        writeImage(truncated, uniform(16, 16, Color.GRAY), "png");
        byte[] png = Files.readAllBytes(truncated);
        Files.write(truncated, Arrays.copyOf(png, png.length / 2));

        assertThatThrownBy(() -> ImageSets.imageFolder(tmp, 1, 4, 4))
                .isInstanceOf(IOException.class)
                .hasMessageStartingWith(truncated + ": cannot decode the image");
    }

    @Test
    void rejectsAMissingRootAFolderWithoutClassesAndAnEmptyClass() throws Exception {
        Path missing = tmp.resolve("missing");
        assertThatThrownBy(() -> ImageSets.imageFolder(missing, 3, 8, 8))
                .isInstanceOf(DatasetException.class)
                .hasMessageStartingWith(missing + " is not a folder");

        Files.createDirectories(tmp.resolve(".git"));
        assertThatThrownBy(() -> ImageSets.imageFolder(tmp, 3, 8, 8))
                .isInstanceOf(DatasetException.class)
                .hasMessageStartingWith(tmp + " has no class folders");

        writeImage(tmp.resolve("dog/1.png"), uniform(8, 8, Color.BLACK), "png");
        Files.createDirectories(tmp.resolve("empty"));
        Files.writeString(tmp.resolve("empty/notes.txt"), "no images here");
        assertThatThrownBy(() -> ImageSets.imageFolder(tmp, 3, 8, 8))
                .isInstanceOf(DatasetException.class)
                .hasMessageStartingWith("class folder " + tmp.resolve("empty") + " has no PNG or JPEG images");
    }

    @Test
    void subsetPicksImagesAndLabelsInTheGivenOrder() {
        ImageSet set = new ImageSet(THREE, 1, 1, 2, new byte[] {10, 11, 20, 21, 30, 31}, new int[] {0, 1, 2});

        ImageSet subset = set.subset(new int[] {2, 0, 2});

        assertThat(subset.pixels()).containsExactly(30, 31, 10, 11, 30, 31);
        assertThat(subset.labels()).containsExactly(2, 0, 2);
        assertThat(subset.classes()).isEqualTo(THREE);
    }

    @Test
    void readsTheInstalledFashionMnist() throws IOException {
        Path dir = RepoFiles.installed("fashion-mnist", "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz");

        ImageSet train = ImageSets.idx(dir.resolve("train-images-idx3-ubyte.gz"),
                dir.resolve("train-labels-idx1-ubyte.gz"), ImageSets.FASHION_MNIST_CLASSES);
        ImageSet test = ImageSets.idx(dir.resolve("t10k-images-idx3-ubyte.gz"),
                dir.resolve("t10k-labels-idx1-ubyte.gz"), ImageSets.FASHION_MNIST_CLASSES);

        assertThat(train.size()).isEqualTo(60_000);
        assertThat(List.of(train.channels(), train.height(), train.width())).containsExactly(1, 28, 28);
        assertThat(IntStream.of(train.labels()).distinct().sorted().toArray())
                .containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
        assertThat(test.size()).isEqualTo(10_000);
    }

    @Test
    void readsTheInstalledMnistSample() throws IOException {
        Path dir = RepoFiles.installed("mnist-sample", "images-idx3-ubyte.gz", "labels-idx1-ubyte.gz");

        ImageSet digits = ImageSets.idx(dir.resolve("images-idx3-ubyte.gz"), dir.resolve("labels-idx1-ubyte.gz"),
                ImageSets.DIGITS);

        assertThat(digits.size()).isEqualTo(10_000);
        assertThat(List.of(digits.channels(), digits.height(), digits.width())).containsExactly(1, 28, 28);
        assertThat(digits.labels()).isSorted();
        assertThat(IntStream.of(digits.labels()).distinct().toArray()).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
    }

    private Path write(IdxFile idx, String name) throws IOException {
        Path file = tmp.resolve(name);
        idx.write(file);
        return file;
    }

    private static ImageSet read(Path dir, List<String> fileNames) throws IOException {
        return ImageSets.cifarBatches(dir, fileNames, new CifarBatches(CifarFixture.RECORDS));
    }

    private static byte[] image(ImageSet set, int index) {
        return Arrays.copyOfRange(set.pixels(), index * set.imageBytes(), (index + 1) * set.imageBytes());
    }

    /** The first pixel of each channel of a uniformly coloured image, as unsigned values. */
    private static int[] planes(ImageSet set, int index) {
        int plane = set.height() * set.width();
        byte[] image = image(set, index);
        return IntStream.range(0, set.channels()).map(channel -> image[channel * plane] & 0xff).toArray();
    }

    private static BufferedImage uniform(int width, int height, Color color) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D graphics = image.createGraphics();
        graphics.setColor(color);
        graphics.fillRect(0, 0, width, height);
        graphics.dispose();
        return image;
    }

    private static int[] filled(int length, int value) {
        int[] values = new int[length];
        Arrays.fill(values, value);
        return values;
    }

    private static void writeImage(Path file, BufferedImage image, String format) throws IOException {
        Files.createDirectories(file.getParent());
        if (!ImageIO.write(image, format, file.toFile())) {
            throw new IOException("no ImageIO writer for " + format);
        }
    }

    @Test
    void resizingKeepsLabelsAndChannelsAndMatchesAFolderReadAtThatSize() throws Exception {
        BufferedImage red = new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = red.createGraphics();
        g.setColor(Color.RED);
        g.fillRect(0, 0, 4, 8);
        g.setColor(Color.BLUE);
        g.fillRect(4, 0, 4, 8);
        g.dispose();
        Files.createDirectories(tmp.resolve("a"));
        Files.createDirectories(tmp.resolve("b"));
        ImageIO.write(red, "png", tmp.resolve("a/1.png").toFile());
        ImageIO.write(red, "png", tmp.resolve("b/1.png").toFile());
        ImageSet native8 = ImageSets.imageFolder(tmp, 3, 8, 8);

        ImageSet resized = ImageSets.resized(native8, 16, 16);

        assertThat(resized.height()).isEqualTo(16);
        assertThat(resized.channels()).isEqualTo(3);
        assertThat(resized.labels()).containsExactly(native8.labels());
        assertThat(resized.pixels()).isEqualTo(ImageSets.imageFolder(tmp, 3, 16, 16).pixels());
        ImageSet grey = ImageSets.resized(ImageSets.imageFolder(tmp, 1, 8, 8), 4, 4);
        assertThat(grey.pixels()).hasSize(2 * 16);
    }
}
