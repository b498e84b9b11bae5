package dev.kiln.vision.serving;

import dev.kiln.vision.datasets.ImageSet;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import javax.imageio.ImageIO;

/** Data-set images as PNG files, lossless, for clients that send real images to the served models. */
public final class PngImages {

    private PngImages() {
    }

    /** The set's image at {@code index} as a grey or RGB PNG. */
    public static byte[] encode(ImageSet set, int index) {
        int h = set.height();
        int w = set.width();
        int plane = h * w;
        int offset = index * set.imageBytes();
        byte[] pixels = set.pixels();
        BufferedImage image;
        if (set.channels() == 1) {
            image = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
            image.getRaster().setDataElements(0, 0, w, h, java.util.Arrays.copyOfRange(pixels, offset, offset + plane));
        } else {
            image = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
            for (int i = 0; i < plane; i++) {
                int rgb = (pixels[offset + i] & 0xff) << 16 | (pixels[offset + plane + i] & 0xff) << 8
                        | (pixels[offset + 2 * plane + i] & 0xff);
                image.setRGB(i % w, i / w, rgb);
            }
        }
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        try {
            ImageIO.write(image, "png", png);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return png.toByteArray();
    }
}
