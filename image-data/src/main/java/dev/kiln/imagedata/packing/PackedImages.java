package dev.kiln.imagedata.packing;

import dev.kiln.contracts.messaging.Json;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * Kiln's packed training format: a data set version decoded once, at one stored size, so a trainer reads it as
 * fast as the disk allows. One file: {@code KILNPACK}, a format version (int), a JSON header's length (int) and
 * the header ({@link Header}: classes, channels, height, width, images per split), then for each split in the
 * header's order its labels (one byte each, or two big-endian when there are more than 256 classes) and its
 * pixels (unsigned bytes, channel-first, image after image).
 */
public final class PackedImages {

    private static final byte[] MAGIC = "KILNPACK".getBytes(StandardCharsets.US_ASCII);
    private static final int VERSION = 1;

    /** What the file holds. */
    public record Header(List<String> classes, int channels, int height, int width, Map<String, Integer> splits) {

        public int imageBytes() {
            return channels * height * width;
        }

        int labelBytes() {
            return classes.size() > 256 ? 2 : 1;
        }
    }

    /** One split in memory: labels and the pixels of every image. */
    public record Split(int[] labels, byte[] pixels) {
    }

    /** A whole packed version in memory. */
    public record Packed(Header header, Map<String, Split> splits) {
    }

    /**
     * Some images of one split: the split's labels, the {@code indices} chosen (in the order chosen) and their
     * pixels, one image after another in that order.
     */
    public record Selection(Header header, int[] labels, int[] indices, byte[] pixels) {
    }

    private PackedImages() {
    }

    public static Packed read(Path file) throws IOException {
        try (DataInputStream in = open(file)) {
            Header header = header(in, file);
            Map<String, Split> splits = new LinkedHashMap<>();
            for (Map.Entry<String, Integer> split : header.splits().entrySet()) {
                int[] labels = labels(in, header, split.getValue());
                byte[] pixels = new byte[Math.multiplyExact(split.getValue(), header.imageBytes())];
                in.readFully(pixels);
                splits.put(split.getKey(), new Split(labels, pixels));
            }
            return new Packed(header, splits);
        }
    }

    /**
     * Reads the images of {@code split} that {@code choose} picks, given the header and the split's labels (it
     * answers their indices, each at most once), without holding the file in memory: the other splits and the
     * images not chosen are skipped. A split the file does not have selects nothing.
     */
    public static Selection select(Path file, String split, BiFunction<Header, int[], int[]> choose)
            throws IOException {
        try (DataInputStream in = open(file)) {
            Header header = header(in, file);
            int imageBytes = header.imageBytes();
            for (Map.Entry<String, Integer> entry : header.splits().entrySet()) {
                int count = entry.getValue();
                if (!entry.getKey().equals(split)) {
                    in.skipNBytes(count * ((long) header.labelBytes() + imageBytes));
                    continue;
                }
                int[] labels = labels(in, header, count);
                int[] indices = choose.apply(header, labels.clone()).clone();
                // Read in file order, each image put where the chooser placed it.
                Integer[] reading = new Integer[indices.length];
                Arrays.setAll(reading, i -> i);
                Arrays.sort(reading, Comparator.comparingInt(i -> indices[i]));
                byte[] pixels = new byte[Math.multiplyExact(indices.length, imageBytes)];
                int at = 0;
                for (int place : reading) {
                    int index = indices[place];
                    if (index < at || index >= count) {
                        throw new IllegalArgumentException("image " + index + " chosen twice or not one of the "
                                + count + " images of " + split);
                    }
                    in.skipNBytes((long) (index - at) * imageBytes);
                    in.readFully(pixels, place * imageBytes, imageBytes);
                    at = index + 1;
                }
                return new Selection(header, labels, indices, pixels);
            }
            return new Selection(header, new int[0], new int[0], new byte[0]);
        }
    }

    private static DataInputStream open(Path file) throws IOException {
        return new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 20));
    }

    private static Header header(DataInputStream in, Path file) throws IOException {
        byte[] magic = in.readNBytes(MAGIC.length);
        if (!Arrays.equals(magic, MAGIC)) {
            throw new IOException(file + " is not a packed Kiln data set");
        }
        int version = in.readInt();
        if (version != VERSION) {
            throw new IOException(file + " is packed in format version " + version + "; this Kiln reads " + VERSION);
        }
        return Json.read(new String(in.readNBytes(in.readInt()), StandardCharsets.UTF_8), Header.class);
    }

    private static int[] labels(DataInputStream in, Header header, int count) throws IOException {
        int[] labels = new int[count];
        for (int i = 0; i < count; i++) {
            labels[i] = header.labelBytes() == 1 ? in.readUnsignedByte() : in.readUnsignedShort();
        }
        return labels;
    }

    /**
     * Writes a packed file image by image in any order of splits: each split's pixels go to a file of their own
     * beside the target (memory holds only labels), joined at {@link #finish}.
     */
    public static final class Writer implements AutoCloseable {
        private final Path target;
        private final List<String> classes;
        private final int channels;
        private final int height;
        private final int width;
        private final Map<String, OutputStream> pixels = new LinkedHashMap<>();
        private final Map<String, List<Integer>> labels = new LinkedHashMap<>();

        public Writer(Path target, List<String> classes, int channels, int height, int width, List<String> splitOrder)
                throws IOException {
            this.target = target;
            this.classes = List.copyOf(classes);
            this.channels = channels;
            this.height = height;
            this.width = width;
            for (String split : splitOrder) {
                pixels.put(split, new BufferedOutputStream(Files.newOutputStream(part(split)), 1 << 20));
                labels.put(split, new ArrayList<>());
            }
        }

        public void add(String split, int label, byte[] image) throws IOException {
            if (image.length != channels * height * width) {
                throw new IllegalArgumentException("an image of " + image.length + " bytes, not "
                        + channels * height * width);
            }
            pixels.get(split).write(image);
            labels.get(split).add(label);
        }

        /** Joins the parts into the target file; splits without images are left out. */
        public Header finish() throws IOException {
            for (OutputStream out : pixels.values()) {
                out.close();
            }
            Map<String, Integer> counts = new LinkedHashMap<>();
            labels.forEach((split, list) -> {
                if (!list.isEmpty()) {
                    counts.put(split, list.size());
                }
            });
            Header header = new Header(classes, channels, height, width, counts);
            byte[] json = Json.write(header).getBytes(StandardCharsets.UTF_8);
            try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(target),
                    1 << 20))) {
                out.write(MAGIC);
                out.writeInt(VERSION);
                out.writeInt(json.length);
                out.write(json);
                for (String split : counts.keySet()) {
                    for (int label : labels.get(split)) {
                        if (header.labelBytes() == 1) {
                            out.writeByte(label);
                        } else {
                            out.writeShort(label);
                        }
                    }
                    try (InputStream part = Files.newInputStream(part(split))) {
                        part.transferTo(out);
                    }
                }
            }
            return header;
        }

        @Override
        public void close() throws IOException {
            for (OutputStream out : pixels.values()) {
                out.close();
            }
            for (String split : pixels.keySet()) {
                Files.deleteIfExists(part(split));
            }
        }

        private Path part(String split) {
            return target.resolveSibling(target.getFileName() + "." + split + ".part");
        }
    }
}
