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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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

    private PackedImages() {
    }

    public static Packed read(Path file) throws IOException {
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 20))) {
            byte[] magic = in.readNBytes(MAGIC.length);
            if (!Arrays.equals(magic, MAGIC)) {
                throw new IOException(file + " is not a packed Kiln data set");
            }
            int version = in.readInt();
            if (version != VERSION) {
                throw new IOException(file + " is packed in format version " + version + "; this Kiln reads " + VERSION);
            }
            Header header = Json.read(new String(in.readNBytes(in.readInt()), StandardCharsets.UTF_8), Header.class);
            Map<String, Split> splits = new LinkedHashMap<>();
            for (Map.Entry<String, Integer> split : header.splits().entrySet()) {
                int count = split.getValue();
                int[] labels = new int[count];
                for (int i = 0; i < count; i++) {
                    labels[i] = header.labelBytes() == 1 ? in.readUnsignedByte() : in.readUnsignedShort();
                }
                byte[] pixels = new byte[Math.multiplyExact(count, header.imageBytes())];
                in.readFully(pixels);
                splits.put(split.getKey(), new Split(labels, pixels));
            }
            return new Packed(header, splits);
        }
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
