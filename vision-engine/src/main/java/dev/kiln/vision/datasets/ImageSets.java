package dev.kiln.vision.datasets;

import dev.kiln.imagedata.images.Rasters;
import java.awt.image.BufferedImage;

/** {@link ImageSet}s resized, and their images as pictures. */
public final class ImageSets {

    private ImageSets() {
    }

    /** Every image of {@code set} scaled bilinearly to height x width, as validation stores uploaded images. */
    public static ImageSet resized(ImageSet set, int height, int width) {
        int target = set.channels() * height * width;
        byte[] pixels = new byte[Math.multiplyExact(set.size(), target)];
        for (int i = 0; i < set.size(); i++) {
            Rasters.writeChannelFirst(image(set, i), set.channels(), height, width, pixels, i * target);
        }
        return new ImageSet(set.classes(), set.channels(), height, width, pixels, set.labels());
    }

    /** The set's image at {@code index} as a grey or RGB picture, to encode or to redraw. */
    public static BufferedImage image(ImageSet set, int index) {
        return Rasters.channelFirstImage(set.pixels(), index * set.imageBytes(), set.channels(), set.height(),
                set.width());
    }
}
