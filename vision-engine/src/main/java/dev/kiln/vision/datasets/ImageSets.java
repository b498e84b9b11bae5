package dev.kiln.vision.datasets;

import dev.kiln.imagedata.images.Rasters;
import java.awt.image.BufferedImage;
import java.util.Arrays;

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
        int h = set.height();
        int w = set.width();
        int plane = h * w;
        int offset = index * set.imageBytes();
        byte[] pixels = set.pixels();
        if (set.channels() == 1) {
            BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
            image.getRaster().setDataElements(0, 0, w, h, Arrays.copyOfRange(pixels, offset, offset + plane));
            return image;
        }
        int[] rgb = new int[plane];
        for (int i = 0; i < plane; i++) {
            rgb[i] = (pixels[offset + i] & 0xff) << 16 | (pixels[offset + plane + i] & 0xff) << 8
                    | pixels[offset + 2 * plane + i] & 0xff;
        }
        BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        image.setRGB(0, 0, w, h, rgb, 0, w);
        return image;
    }
}
