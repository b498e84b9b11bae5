package dev.kiln.imagedata.images;

import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.IndexColorModel;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Iterator;
import java.util.Locale;
import java.util.Set;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.stream.ImageInputStream;

/**
 * Reads PNG and JPEG images with their size checked from the header before any pixel is allocated (a
 * 100-byte PNG may claim 40000x40000 pixels; {@code ImageIO.read} would allocate them first).
 */
public final class ImageDecoder {

    private static final Set<String> FORMATS = Set.of("png", "jpeg");

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

    /** The whole image, after its header passed the limits. */
    public static BufferedImage decode(byte[] file, Limits limits) throws UnreadableImageException {
        return read(file, limits, true).image();
    }

    private record Read(Header header, BufferedImage image) {
    }

    private static Read read(byte[] file, Limits limits, boolean pixels) throws UnreadableImageException {
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(file))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new UnreadableImageException("not a PNG or JPEG image");
            }
            ImageReader reader = readers.next();
            try {
                String format = reader.getFormatName().toLowerCase(Locale.ROOT);
                if (!FORMATS.contains(format)) {
                    throw new UnreadableImageException("a " + format + " image, not PNG or JPEG");
                }
                reader.setInput(in, true, true);
                int width = reader.getWidth(0);
                int height = reader.getHeight(0);
                if (width <= 0 || height <= 0 || width > limits.maxSide() || height > limits.maxSide()
                        || (long) width * height > limits.maxPixels()) {
                    throw new UnreadableImageException(width + "x" + height + " pixels: larger than the limit of "
                            + limits.maxSide() + " a side and " + limits.maxPixels() + " in all");
                }
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
