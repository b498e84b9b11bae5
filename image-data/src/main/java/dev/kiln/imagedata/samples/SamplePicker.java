package dev.kiln.imagedata.samples;

import dev.kiln.imagedata.images.Rasters;
import dev.kiln.imagedata.packing.PackedImages;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * A data set version's sample images, for people to look at (the console's data sets page): the first few images
 * of each class of its packed train split, as PNG files at the size the version is stored and trained at. Always
 * the same images for the same packed file: the first of each class in the split's order, which is the archive's
 * (an image folder) or the files' (IDX, CIFAR-10). Ordered by class, then by index, so a class's images are
 * neighbours.
 */
public final class SamplePicker {

    /** The split the samples come from: every READY version has one. */
    public static final String SPLIT = "train";

    /**
     * How many images: at most {@code perClass} of each class and {@code total} in all. With more classes than
     * {@code total / perClass}, each class gets fewer (at least one), and with more classes than {@code total}, only
     * the first {@code total} classes are shown.
     */
    public record Limits(int perClass, int total) {

        public Limits {
            if (perClass < 1 || total < 1) {
                throw new IllegalArgumentException("at least one image a class and in all, not " + perClass + " and "
                        + total);
            }
        }

        /** 4 a class, 64 in all: 10 classes show 40 images, 20 classes 60, 100 classes the first 64 one each. */
        public static Limits defaults() {
            return new Limits(4, 64);
        }

        /** Images each class gets with this many classes. */
        int perClass(int classes) {
            return Math.max(1, Math.min(perClass, total / Math.max(1, classes)));
        }
    }

    /**
     * One sample image.
     *
     * @param position its place among the version's samples, from 0 (class by class)
     * @param index    its index in its split of the packed version
     * @param label    its class name
     * @param png      the image as a PNG file, grey or RGB as the version is packed
     */
    public record Sample(int position, String split, int index, String label, byte[] png) {
    }

    private SamplePicker() {
    }

    /** The samples of the packed version in {@code packed}; none when it has no train split. */
    public static List<Sample> pick(Path packed, Limits limits) throws IOException {
        PackedImages.Selection selection = PackedImages.select(packed, SPLIT,
                (header, labels) -> choose(labels, header.classes().size(), limits));
        PackedImages.Header header = selection.header();
        List<Sample> samples = new ArrayList<>(selection.indices().length);
        for (int position = 0; position < selection.indices().length; position++) {
            int index = selection.indices()[position];
            samples.add(new Sample(position, SPLIT, index, header.classes().get(selection.labels()[index]),
                    png(selection.pixels(), position * header.imageBytes(), header.channels(), header.height(),
                            header.width())));
        }
        return samples;
    }

    /**
     * The indices of the images to show, given every image's label: the first {@link Limits#perClass(int)} of
     * each class, class by class and within a class in order, the first {@code total} of them.
     */
    static int[] choose(int[] labels, int classes, Limits limits) {
        int each = limits.perClass(classes);
        int[][] chosen = new int[classes][each];
        int[] taken = new int[classes];
        int full = 0;
        for (int i = 0; i < labels.length && full < classes; i++) {
            int label = labels[i];
            if (taken[label] < each) {
                chosen[label][taken[label]++] = i;
                full += taken[label] == each ? 1 : 0;
            }
        }
        int[] order = new int[Math.min(limits.total(), Arrays.stream(taken).sum())];
        int at = 0;
        for (int label = 0; label < classes && at < order.length; label++) {
            for (int k = 0; k < taken[label] && at < order.length; k++) {
                order[at++] = chosen[label][k];
            }
        }
        return order;
    }

    /** One image stored channel-first at {@code pixels[offset]} as a PNG file. */
    static byte[] png(byte[] pixels, int offset, int channels, int height, int width) {
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        try {
            ImageIO.write(Rasters.channelFirstImage(pixels, offset, channels, height, width), "png", png);
        } catch (IOException e) {
            throw new UncheckedIOException("writing a PNG in memory", e);
        }
        return png.toByteArray();
    }
}
