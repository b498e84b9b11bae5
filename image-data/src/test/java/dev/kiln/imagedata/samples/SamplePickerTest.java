package dev.kiln.imagedata.samples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kiln.contracts.datasets.ValidationReport;
import dev.kiln.imagedata.catalog.CatalogArchive;
import dev.kiln.imagedata.packing.PackedImages;
import dev.kiln.imagedata.validation.DatasetValidator;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The samples of real packed versions: the installed MNIST sample (10,000 digits, IDX, grey), and an image folder of
 * its digits re-encoded as RGB PNG files, with a corrupt file and a test split. Each sample's PNG must hold exactly
 * the packed pixels of the image it names.
 */
class SamplePickerTest {

    private static final Path DATA = Path.of("../.kiln/data");

    @TempDir
    static Path tmp;

    private static Path mnistSample;

    @BeforeAll
    static void packTheMnistSample() throws IOException {
        Path archive = CatalogArchive.of("mnist-sample").writeTo(DATA, tmp.resolve("mnist-sample.tar"));
        mnistSample = tmp.resolve("mnist-sample.kilnpack");
        ValidationReport report = DatasetValidator.validate(archive, mnistSample, DatasetValidator.Settings.defaults(),
                images -> { }).report();
        assertThat(report.ready()).as(report.rejection()).isTrue();
    }

    @Test
    void theMnistSampleShowsTheFirstFourDigitsOfEachClassAsTheyArePacked() throws IOException {
        List<SamplePicker.Sample> samples = SamplePicker.pick(mnistSample, SamplePicker.Limits.defaults());

        PackedImages.Packed packed = PackedImages.read(mnistSample);
        PackedImages.Split train = packed.splits().get("train");
        assertThat(samples).hasSize(40);
        assertThat(samples).extracting(SamplePicker.Sample::position).containsExactlyElementsOf(range(40));
        assertThat(samples).extracting(SamplePicker.Sample::split).containsOnly("train");
        List<String> expectedLabels = new ArrayList<>();
        List<Integer> expectedIndices = new ArrayList<>();
        for (int digit = 0; digit < 10; digit++) {
            int found = 0;
            for (int i = 0; i < train.labels().length && found < 4; i++) {
                if (train.labels()[i] == digit) {
                    expectedIndices.add(i);
                    expectedLabels.add(CatalogArchive.DIGITS.get(digit));
                    found++;
                }
            }
        }
        assertThat(samples).extracting(SamplePicker.Sample::label).containsExactlyElementsOf(expectedLabels);
        assertThat(samples).extracting(SamplePicker.Sample::index).containsExactlyElementsOf(expectedIndices);
        for (SamplePicker.Sample sample : samples) {
            BufferedImage image = ImageIO.read(new ByteArrayInputStream(sample.png()));
            assertThat(image.getWidth()).isEqualTo(28);
            assertThat(image.getHeight()).isEqualTo(28);
            assertThat(image.getColorModel().getNumComponents()).as("a grey PNG").isEqualTo(1);
            assertThat(pixels(image, 1)).as("sample %d", sample.position())
                    .isEqualTo(Arrays.copyOfRange(train.pixels(), sample.index() * 784, (sample.index() + 1) * 784));
            assertThat(train.labels()[sample.index()]).isEqualTo(Integer.parseInt(sample.label()));
        }
        assertThat(samples.stream().map(SamplePicker.Sample::png).distinct().count()).as("different pictures")
                .isGreaterThan(35);

        List<SamplePicker.Sample> again = SamplePicker.pick(mnistSample, SamplePicker.Limits.defaults());
        for (int i = 0; i < samples.size(); i++) {
            assertThat(again.get(i).png()).as("the same file, the same samples").isEqualTo(samples.get(i).png());
        }
    }

    @Test
    void aFolderOfColourPicturesShowsItsTrainImagesInColourWithinTheLimits() throws IOException {
        // The first 12 digits of 0, 1 and 2, tinted into RGB pictures, 6 of each to train/ and 6 to test/.
        PackedImages.Packed mnist = PackedImages.read(mnistSample);
        PackedImages.Split digits = mnist.splits().get("train");
        List<String> classes = List.of("one", "two", "zero");
        ByteArrayOutputStream zip = new ByteArrayOutputStream();
        try (ZipOutputStream out = new ZipOutputStream(zip)) {
            int[] written = new int[3];
            for (int i = 0; i < digits.labels().length; i++) {
                int digit = digits.labels()[i];
                if (digit > 2 || written[digit] == 12) {
                    continue;
                }
                String split = written[digit] % 2 == 0 ? "train" : "test";
                String name = List.of("zero", "one", "two").get(digit);
                out.putNextEntry(new ZipEntry("digits/" + split + "/" + name + "/" + i + ".png"));
                out.write(tinted(digits.pixels(), i * 784));
                out.closeEntry();
                written[digit]++;
            }
            out.putNextEntry(new ZipEntry("digits/train/one/broken.png"));
            out.write(new byte[] {(byte) 0x89, 'P', 'N', 'G'});
            out.closeEntry();
        }
        Path archive = Files.write(tmp.resolve("digits.zip"), zip.toByteArray());
        Path packedFile = tmp.resolve("digits.kilnpack");
        ValidationReport report = DatasetValidator.validate(archive, packedFile, DatasetValidator.Settings.defaults(),
                images -> { }).report();
        assertThat(report.ready()).as(report.rejection()).isTrue();
        assertThat(report.classes()).isEqualTo(classes);
        assertThat(report.channels()).isEqualTo(3);

        // 10 in all for 3 classes: 3 of each.
        List<SamplePicker.Sample> samples = SamplePicker.pick(packedFile, new SamplePicker.Limits(4, 10));

        PackedImages.Packed packed = PackedImages.read(packedFile);
        PackedImages.Split train = packed.splits().get("train");
        int imageBytes = packed.header().imageBytes();
        assertThat(samples).extracting(SamplePicker.Sample::label)
                .containsExactly("one", "one", "one", "two", "two", "two", "zero", "zero", "zero");
        assertThat(samples).extracting(SamplePicker.Sample::split).containsOnly("train");
        for (SamplePicker.Sample sample : samples) {
            assertThat(classes.get(train.labels()[sample.index()])).isEqualTo(sample.label());
            BufferedImage image = ImageIO.read(new ByteArrayInputStream(sample.png()));
            assertThat(image.getColorModel().getNumComponents()).as("an RGB PNG").isEqualTo(3);
            assertThat(pixels(image, 3)).isEqualTo(Arrays.copyOfRange(train.pixels(), sample.index() * imageBytes,
                    (sample.index() + 1) * imageBytes));
        }
        for (String label : classes) {
            List<Integer> indices = samples.stream().filter(s -> s.label().equals(label))
                    .map(SamplePicker.Sample::index).toList();
            int label0 = classes.indexOf(label);
            List<Integer> firstThree = new ArrayList<>();
            for (int i = 0; i < train.labels().length && firstThree.size() < 3; i++) {
                if (train.labels()[i] == label0) {
                    firstThree.add(i);
                }
            }
            assertThat(indices).as(label).isEqualTo(firstThree);
        }
    }

    @Test
    void theLimitsShareTheImagesAmongTheClasses() {
        // Labels: class 0 twice, class 1 five times, class 2 once, interleaved.
        int[] labels = {1, 0, 1, 1, 2, 1, 0, 1};

        assertThat(SamplePicker.choose(labels, 3, new SamplePicker.Limits(4, 64)))
                .as("all of a small class, 4 of a large one").containsExactly(1, 6, 0, 2, 3, 5, 4);
        assertThat(SamplePicker.choose(labels, 3, new SamplePicker.Limits(4, 6)))
                .as("6 in all: 2 a class").containsExactly(1, 6, 0, 2, 4);
        assertThat(SamplePicker.choose(labels, 3, new SamplePicker.Limits(4, 2)))
                .as("fewer than the classes: the first classes, one each").containsExactly(1, 0);
        assertThat(SamplePicker.choose(new int[0], 3, SamplePicker.Limits.defaults())).isEmpty();
        assertThat(SamplePicker.choose(new int[200], 200, SamplePicker.Limits.defaults())).containsExactly(0);
        assertThatThrownBy(() -> new SamplePicker.Limits(0, 64)).isInstanceOf(IllegalArgumentException.class);
    }

    /** A grey digit as an RGB PNG: red the digit, green half of it, blue its negative. */
    private static byte[] tinted(byte[] grey, int offset) throws IOException {
        BufferedImage image = new BufferedImage(28, 28, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 28; y++) {
            for (int x = 0; x < 28; x++) {
                int v = grey[offset + y * 28 + x] & 0xff;
                image.setRGB(x, y, v << 16 | (v / 2) << 8 | (255 - v));
            }
        }
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(image, "png", png);
        return png.toByteArray();
    }

    /** A decoded PNG's pixels, channel-first, as Kiln packs them: its grey levels, or its red, green and blue. */
    private static byte[] pixels(BufferedImage image, int channels) {
        int plane = image.getHeight() * image.getWidth();
        byte[] pixels = new byte[channels * plane];
        if (channels == 1) {
            int[] grey = image.getRaster().getPixels(0, 0, image.getWidth(), image.getHeight(), (int[]) null);
            for (int i = 0; i < plane; i++) {
                pixels[i] = (byte) grey[i];
            }
            return pixels;
        }
        int[] rgb = image.getRGB(0, 0, image.getWidth(), image.getHeight(), null, 0, image.getWidth());
        for (int i = 0; i < plane; i++) {
            pixels[i] = (byte) (rgb[i] >> 16);
            pixels[plane + i] = (byte) (rgb[i] >> 8);
            pixels[2 * plane + i] = (byte) rgb[i];
        }
        return pixels;
    }

    private static List<Integer> range(int n) {
        return java.util.stream.IntStream.range(0, n).boxed().toList();
    }
}
