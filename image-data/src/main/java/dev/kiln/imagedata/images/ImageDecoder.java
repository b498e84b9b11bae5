package dev.kiln.imagedata.images;

import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.IndexColorModel;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Locale;
import java.util.Set;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.spi.ImageReaderSpi;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * Reads PNG and JPEG images with their size checked from the header before any pixel is allocated (a
 * 100-byte PNG may claim 40000x40000 pixels; {@code ImageIO.read} would allocate them first).
 */
public final class ImageDecoder {

    private static final Set<String> FORMATS = Set.of("png", "jpeg");
    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    private static final ImageReaderSpi PNG_READERS = readers("png");
    private static final ImageReaderSpi JPEG_READERS = readers("jpeg");

    /** The largest image accepted: per side and in all. */
    public record Limits(int maxSide, long maxPixels) {

        /** 16384 pixels a side, 64 megapixels. */
        public static Limits defaults() {
            return new Limits(16_384, 64L << 20);
        }
    }

    /** The colour of an image as stored. */
    public enum ColourMode {
        GREY, RGB, RGBA, PALETTE;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }

        public boolean colour() {
            return this != GREY;
        }
    }

    /** What the header says: format, size and colour mode. */
    public record Header(String format, int width, int height, ColourMode mode) {
    }

    private ImageDecoder() {
    }

    /** The header only: no pixels are decoded. */
    public static Header header(byte[] file, Limits limits) throws UnreadableImageException {
        return read(file, limits, false).header();
    }

    /**
     * How many pixels the image claims, checked against the limits. PNG and JPEG sizes are read straight from the
     * bytes (the PNG's IHDR, the JPEG's start-of-frame), much cheaper than an ImageIO reader for a request's pixel
     * budget; anything else, or a header that does not parse, goes through {@link #header}, whose errors it gives.
     * Nothing is decoded, and {@link #decode} checks the size again.
     */
    public static long claimedPixels(byte[] file, Limits limits) throws UnreadableImageException {
        long size = pngSize(file);
        if (size < 0) {
            size = jpegSize(file);
        }
        if (size < 0) {
            Header header = header(file, limits);
            return (long) header.width() * header.height();
        }
        int width = (int) (size >>> 32);
        int height = (int) size;
        checkLimits(width, height, limits);
        return (long) width * height;
    }

    /** Width and height (high and low int) from a complete IHDR chunk right after the signature; -1 otherwise. */
    private static long pngSize(byte[] file) {
        // Signature (8), IHDR length (4, always 13) and type (4), its 13 bytes of data and its CRC (4).
        if (file.length < 33 || !startsAsPng(file) || bigEndian(file, 8, 4) != 13
                || file[12] != 'I' || file[13] != 'H' || file[14] != 'D' || file[15] != 'R') {
            return -1;
        }
        return size(bigEndian(file, 16, 4), bigEndian(file, 20, 4));
    }

    /**
     * Width and height from the first start-of-frame marker (SOF0-SOF15 but DHT, JPG and DAC), skipping the
     * segments before it; -1 for anything else (no SOI, truncated, scan data first).
     */
    private static long jpegSize(byte[] file) {
        if (file.length < 4 || !startsAsJpeg(file)) {
            return -1;
        }
        int at = 2;
        while (at + 4 <= file.length) {
            if ((file[at] & 0xff) != 0xff) {
                return -1;
            }
            int marker = file[at + 1] & 0xff;
            if (marker == 0xff) {
                at++; // a fill byte
                continue;
            }
            if (marker == 0xd8 || marker == 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
                at += 2; // no length
                continue;
            }
            if (marker == 0xd9 || marker == 0xda) {
                return -1; // the image or its scan began without a frame header
            }
            long length = bigEndian(file, at + 2, 2);
            boolean frame = marker >= 0xc0 && marker <= 0xcf && marker != 0xc4 && marker != 0xc8 && marker != 0xcc;
            if (frame) {
                // Length (2), precision (1), height (2), width (2).
                return at + 9 <= file.length && length >= 7
                        ? size(bigEndian(file, at + 7, 2), bigEndian(file, at + 5, 2)) : -1;
            }
            if (length < 2) {
                return -1;
            }
            at += 2 + (int) length;
        }
        return -1;
    }

    /** Both sides as one long, or -1 where one is 0 or beyond an int (ImageIO's own message explains those). */
    private static long size(long width, long height) {
        return width <= 0 || height <= 0 || width > Integer.MAX_VALUE || height > Integer.MAX_VALUE ? -1
                : width << 32 | height;
    }

    private static long bigEndian(byte[] file, int at, int bytes) {
        long value = 0;
        for (int i = 0; i < bytes; i++) {
            value = value << 8 | (file[at + i] & 0xff);
        }
        return value;
    }

    /** The whole image, after its header passed the limits. */
    public static BufferedImage decode(byte[] file, Limits limits) throws UnreadableImageException {
        return read(file, limits, true).image();
    }

    private record Read(Header header, BufferedImage image) {
    }

    private static Read read(byte[] file, Limits limits, boolean pixels) throws UnreadableImageException {
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(file))) {
            ImageReader reader = readerFor(file, in);
            try {
                String format = reader.getFormatName().toLowerCase(Locale.ROOT);
                if (!FORMATS.contains(format)) {
                    throw new UnreadableImageException("a " + format + " image, not PNG or JPEG");
                }
                reader.setInput(in, true, true);
                int width = reader.getWidth(0);
                int height = reader.getHeight(0);
                checkLimits(width, height, limits);
                ImageTypeSpecifier type = reader.getRawImageType(0);
                ColourMode mode = type == null ? null : mode(type.getColorModel());
                BufferedImage image = pixels ? reader.read(0) : null;
                if (mode == null) {
                    mode = image == null ? ColourMode.RGB : mode(image.getColorModel());
                }
                return new Read(new Header(format, width, height, mode), image);
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            // Decoders throw IIOException, IllegalArgumentException ("Invalid scanline stride")...: say what, not
            // which class.
            String message = e.getMessage() == null ? "no detail" : e.getMessage();
            throw new UnreadableImageException("cannot be decoded (" + message + ")");
        }
    }

    /**
     * A PNG or JPEG file's reader straight from its provider; anything else's from ImageIO's registry, which asks every
     * provider whether it can read the file. The registry's lookups had cost nearly as much as decoding a 28x28 PNG.
     */
    private static ImageReader readerFor(byte[] file, ImageInputStream in) throws IOException, UnreadableImageException {
        if (startsAsPng(file)) {
            return PNG_READERS.createReaderInstance();
        }
        if (startsAsJpeg(file)) {
            return JPEG_READERS.createReaderInstance();
        }
        Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
        if (!readers.hasNext()) {
            throw new UnreadableImageException("not a PNG or JPEG image");
        }
        return readers.next();
    }

    private static boolean startsAsPng(byte[] file) {
        return file.length >= PNG_SIGNATURE.length
                && Arrays.equals(file, 0, PNG_SIGNATURE.length, PNG_SIGNATURE, 0, PNG_SIGNATURE.length);
    }

    /** ImageIO's JPEG reader takes a file that starts FF D8 FF: the same here. */
    private static boolean startsAsJpeg(byte[] file) {
        return file.length >= 3 && (file[0] & 0xff) == 0xff && (file[1] & 0xff) == 0xd8 && (file[2] & 0xff) == 0xff;
    }

    /** The provider of ImageIO's own readers of a format. */
    private static ImageReaderSpi readers(String format) {
        ImageReader reader = ImageIO.getImageReadersByFormatName(format).next();
        try {
            return reader.getOriginatingProvider();
        } finally {
            reader.dispose();
        }
    }

    private static void checkLimits(int width, int height, Limits limits) throws UnreadableImageException {
        if (width <= 0 || height <= 0 || width > limits.maxSide() || height > limits.maxSide()
                || (long) width * height > limits.maxPixels()) {
            throw new UnreadableImageException(width + "x" + height + " pixels: larger than the limit of "
                    + limits.maxSide() + " a side and " + limits.maxPixels() + " in all");
        }
    }

    private static ColourMode mode(ColorModel model) {
        if (model instanceof IndexColorModel) {
            return ColourMode.PALETTE;
        }
        if (model.getNumColorComponents() == 1) {
            return ColourMode.GREY;
        }
        return model.hasAlpha() ? ColourMode.RGBA : ColourMode.RGB;
    }
}
