package dev.kiln.imagedata.binary;

import dev.kiln.imagedata.archives.ArchiveRejectedException;
import dev.kiln.imagedata.archives.BinaryLayout;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * The splits of a binary data set read from its files: IDX pairs (grey, any size, labels as bytes) or CIFAR-10
 * batches (1 label byte and 3 x 32 x 32 channel-first bytes per record). Every problem is a rejection naming
 * the file.
 */
public record BinarySplits(List<String> classes, int channels, int height, int width, Map<String, Split> splits) {

    /** CIFAR-10's record: a label byte, then the red, green and blue planes of 32 x 32. */
    public static final int CIFAR_RECORD_BYTES = 1 + 3 * 32 * 32;

    /** One split: labels, pixels image after image (channel-first), and the file they came from. */
    public record Split(int[] labels, byte[] pixels, String source) {

        public byte[] image(int index, int imageBytes) {
            return Arrays.copyOfRange(pixels, index * imageBytes, (index + 1) * imageBytes);
        }
    }

    public int imageBytes() {
        return channels * height * width;
    }

    /**
     * @param files the layout's files by archive path, as read from it
     */
    public static BinarySplits read(BinaryLayout layout, Map<String, byte[]> files, long maxFileBytes)
            throws ArchiveRejectedException {
        Map<String, Split> splits = new LinkedHashMap<>();
        int channels;
        int height;
        int width;
        if (layout.kind() == BinaryLayout.Format.IDX) {
            int[] shape = null;
            for (Map.Entry<String, List<String>> split : layout.splitFiles().entrySet()) {
                String imagesPath = split.getValue().get(0);
                String labelsPath = split.getValue().get(1);
                IdxFile images = idx(files, imagesPath, maxFileBytes);
                IdxFile labels = idx(files, labelsPath, maxFileBytes);
                if (images.dimensions().length != 3 || labels.dimensions().length != 1) {
                    throw new ArchiveRejectedException(imagesPath + " is " + images.shape() + " and " + labelsPath
                            + " is " + labels.shape() + ": expected count x height x width images and one label each");
                }
                if (images.count() != labels.count()) {
                    throw new ArchiveRejectedException(imagesPath + " holds " + images.count() + " images but "
                            + labelsPath + " " + labels.count() + " labels");
                }
                int[] thisShape = {images.dimensions()[1], images.dimensions()[2]};
                if (shape != null && !Arrays.equals(shape, thisShape)) {
                    throw new ArchiveRejectedException(imagesPath + " has " + images.shape() + " images, unlike the"
                            + " other split's " + shape[0] + "x" + shape[1]);
                }
                shape = thisShape;
                int[] values = IntStream.range(0, labels.count()).map(i -> labels.data()[i] & 0xff).toArray();
                splits.put(split.getKey(), new Split(values, images.data(), imagesPath));
            }
            channels = 1;
            height = shape[0];
            width = shape[1];
        } else {
            for (Map.Entry<String, List<String>> split : layout.splitFiles().entrySet()) {
                splits.put(split.getKey(), cifar(files, split.getValue()));
            }
            channels = 3;
            height = 32;
            width = 32;
        }
        int maxLabel = splits.values().stream().flatMapToInt(s -> Arrays.stream(s.labels())).max().orElse(0);
        List<String> classes = layout.classNames() == null
                ? IntStream.rangeClosed(0, maxLabel).mapToObj(String::valueOf).toList()
                : new String(files.get(layout.classNames()), StandardCharsets.UTF_8).lines().map(String::strip)
                        .filter(line -> !line.isEmpty()).toList();
        if (maxLabel >= classes.size()) {
            throw new ArchiveRejectedException("label " + maxLabel + " appears, but " + layout.classNames() + " names "
                    + classes.size() + " classes");
        }
        if (classes.size() < 2) {
            throw new ArchiveRejectedException("a single class: a classifier needs at least two");
        }
        return new BinarySplits(classes, channels, height, width, splits);
    }

    private static IdxFile idx(Map<String, byte[]> files, String path, long maxFileBytes)
            throws ArchiveRejectedException {
        try {
            return IdxFile.read(new ByteArrayInputStream(files.get(path)), path, maxFileBytes);
        } catch (IOException e) {
            throw new ArchiveRejectedException(e.getMessage(), e);
        }
    }

    private static Split cifar(Map<String, byte[]> files, List<String> batches) throws ArchiveRejectedException {
        int records = 0;
        for (String batch : batches) {
            byte[] bytes = files.get(batch);
            if (bytes.length == 0 || bytes.length % CIFAR_RECORD_BYTES != 0) {
                throw new ArchiveRejectedException(batch + ": " + bytes.length + " bytes, not a whole number of"
                        + " CIFAR-10 records of " + CIFAR_RECORD_BYTES + " bytes");
            }
            records += bytes.length / CIFAR_RECORD_BYTES;
        }
        int imageBytes = CIFAR_RECORD_BYTES - 1;
        int[] labels = new int[records];
        byte[] pixels = new byte[Math.multiplyExact(records, imageBytes)];
        int image = 0;
        for (String batch : batches) {
            byte[] bytes = files.get(batch);
            for (int offset = 0; offset < bytes.length; offset += CIFAR_RECORD_BYTES, image++) {
                labels[image] = bytes[offset] & 0xff;
                System.arraycopy(bytes, offset + 1, pixels, image * imageBytes, imageBytes);
            }
        }
        return new Split(labels, pixels, String.join(",", batches));
    }
}
