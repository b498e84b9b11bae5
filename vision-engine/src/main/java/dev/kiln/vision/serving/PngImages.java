package dev.kiln.vision.serving;

import dev.kiln.vision.datasets.ImageSet;
import dev.kiln.vision.datasets.ImageSets;
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
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        try {
            ImageIO.write(ImageSets.image(set, index), "png", png);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return png.toByteArray();
    }
}
