package dev.kiln.infra.datasets;

import dev.kiln.imagedata.catalog.CatalogArchive;
import dev.kiln.vision.datasets.ImageSet;
import dev.kiln.vision.datasets.ImageSets;
import dev.kiln.vision.pipeline.TrainTestData;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import javax.imageio.ImageIO;

/**
 * A user's image folder made of real pictures: Fashion-MNIST test images of four classes, re-encoded the way
 * photos arrive (PNG and JPEG, 28, 32 and 36 pixels a side, some in RGB), with a few corrupt files and one
 * picture placed in both train and test, zipped in the image-folder layout under one top folder. The tests,
 * the demo and {@code ./kiln dataset push} examples use it.
 */
public final class FashionFolder {

    /** Trouser, Sandal, Bag, Ankle boot: four classes a small CNN tells apart within an epoch or two. */
    static final int[] LABELS = {1, 5, 8, 9};

    /** What went into the archive, for the checks. */
    public record Contents(List<String> classes, int images, List<String> corrupt, String leakInTrain,
            String leakInTest) {
    }

    private FashionFolder() {
    }

    /**
     * Writes the archive: per class {@code trainPerClass} images under {@code train/} and {@code testPerClass}
     * under {@code test/}, plus the corrupt files and the leak.
     */
    public static Contents writeZip(Path zip, Path dataDir, int trainPerClass, int testPerClass) throws IOException {
        if (trainPerClass < 2) {
            throw new IllegalArgumentException("at least 2 train images per class (the second is the leak)");
        }
        ImageSet source = TrainTestData.load("fashion-mnist", dataDir).test();
        List<String> classes = Arrays.stream(LABELS).mapToObj(l -> CatalogArchive.FASHION_MNIST_CLASSES.get(l)
                .replace('/', '-')).toList();
        List<String> corrupt = new ArrayList<>();
        Random random = new Random(13);
        int written = 0;
        String top = "fashion-folder/";
        String leakInTrain = null;
        byte[] leak = null;
        try (OutputStream file = Files.newOutputStream(zip); ZipOutputStream out = new ZipOutputStream(file)) {
            put(out, top + "README.txt", "Four Fashion-MNIST classes, re-encoded.\n".getBytes(StandardCharsets.UTF_8));
            for (int c = 0; c < LABELS.length; c++) {
                int taken = 0;
                for (int i = 0; i < source.size() && taken < trainPerClass + testPerClass; i++) {
                    if (source.labels()[i] != LABELS[c]) {
                        continue;
                    }
                    String split = taken < trainPerClass ? "train" : "test";
                    String format = taken % 5 == 0 ? "jpg" : "png";
                    byte[] bytes = encode(source, i, taken, format);
                    String path = top + split + "/" + classes.get(c) + "/" + i + "." + format;
                    put(out, path, bytes);
                    if (c == 0 && taken == 1) {
                        leakInTrain = path;
                        leak = bytes;
                    }
                    taken++;
                    written++;
                }
            }
            String leakInTest = top + "test/" + classes.get(0) + "/copy-of-train.png";
            put(out, leakInTest, leak);
            byte[] truncated = encode(source, 0, 1, "png");
            corrupt.add(top + "train/" + classes.get(1) + "/truncated.png");
            put(out, corrupt.get(0), Arrays.copyOf(truncated, truncated.length / 3));
            byte[] noise = new byte[2048];
            random.nextBytes(noise);
            noise[0] = (byte) 0xff;
            noise[1] = (byte) 0xd8;
            corrupt.add(top + "train/" + classes.get(2) + "/noise.jpg");
            put(out, corrupt.get(1), noise);
            corrupt.add(top + "test/" + classes.get(3) + "/empty.png");
            put(out, corrupt.get(2), new byte[0]);
            return new Contents(classes, written + 1, corrupt, leakInTrain, leakInTest);
        }
    }

    /** Image i as PNG or JPEG: most at 28x28 in grey; every 7th at 32x32 in RGB, every 11th at 36x36. */
    static byte[] encode(ImageSet set, int index, int taken, String format) throws IOException {
        int size = taken % 7 == 3 ? 32 : taken % 11 == 4 ? 36 : 28;
        boolean rgb = taken % 7 == 3;
        BufferedImage grey = ImageSets.image(set, index);
        BufferedImage image = new BufferedImage(size, size, rgb ? BufferedImage.TYPE_INT_RGB : BufferedImage.TYPE_BYTE_GRAY);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(grey, 0, 0, size, size, null);
        g.dispose();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ImageIO.write(image, format.equals("jpg") ? "jpeg" : "png", bytes);
        return bytes.toByteArray();
    }

    private static void put(ZipOutputStream out, String path, byte[] content) throws IOException {
        out.putNextEntry(new ZipEntry(path));
        out.write(content);
        out.closeEntry();
    }
}
