package dev.kiln.vision.serving;

import dev.kiln.imagedata.images.ImageDecoder;
import dev.kiln.imagedata.images.UnreadableImageException;
import dev.kiln.vision.checkpoints.EvalTransform;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.ComponentSampleModel;
import java.awt.image.DataBufferByte;
import java.awt.image.Raster;
import javax.imageio.ImageIO;

/**
 * Turns an encoded image (PNG or JPEG) into a model's input exactly as evaluation prepared the test set:
 * pixels as bytes, channel-first, resized to the transform's height x width, grey or RGB as the model
 * wants, then {@code byte * (1 / (255 std)) - mean / std} in float, the same two float operations
 * {@link dev.kiln.vision.pipeline.ImageBatches} runs, so a served PNG of a test image scores as it did in
 * the run's test evaluation.
 */
public final class ImageInputs {

    /**
     * Images larger than this in either side are refused from their header, before any pixel buffer exists (a
     * 100-byte PNG may claim 40000x40000 pixels; {@code ImageIO.read} would allocate them first).
     */
    public static final int MAX_SIDE = 4096;

    private static final ImageDecoder.Limits LIMITS = new ImageDecoder.Limits(MAX_SIDE, (long) MAX_SIDE * MAX_SIDE);

    static {
        // ImageIO otherwise buffers every in-memory stream through a temporary file.
        ImageIO.setUseCache(false);
    }

    private ImageInputs() {
    }

    /** The model input for one encoded image: {@code channels * height * width} floats. */
    public static float[] fromEncoded(byte[] encoded, EvalTransform transform) throws ImageDecodeException {
        return fromPixels(decode(encoded, transform), 0, transform);
    }

    /** The model input for one image already in the transform's shape: channel-first bytes from {@code offset}. */
    public static float[] fromPixels(byte[] pixels, int offset, EvalTransform transform) {
        int plane = transform.height() * transform.width();
        float[] input = new float[transform.channels() * plane];
        for (int c = 0; c < transform.channels(); c++) {
            float std = transform.std().get(c);
            float scale = 1f / (255f * std);
            float shift = transform.mean().get(c) / std;
            for (int i = 0; i < plane; i++) {
                int index = c * plane + i;
                float scaled = (pixels[offset + index] & 0xff) * scale;
                input[index] = scaled - shift;
            }
        }
        return input;
    }

    /**
     * How many pixels the image's header claims, nothing decoded: what a request's pixel budget counts.
     *
     * @throws ImageDecodeException when it is not a PNG or JPEG, or claims more than {@value #MAX_SIDE} a side
     */
    public static long pixels(byte[] encoded) throws ImageDecodeException {
        try {
            return ImageDecoder.claimedPixels(encoded, LIMITS);
        } catch (UnreadableImageException e) {
            throw refused(encoded, e);
        }
    }

    /** Decodes (once its header passed the limits), converts to the transform's channels and resizes. */
    public static byte[] decode(byte[] encoded, EvalTransform transform) throws ImageDecodeException {
        BufferedImage image;
        try {
            image = ImageDecoder.decode(encoded, LIMITS);
        } catch (UnreadableImageException e) {
            throw refused(encoded, e);
        }
        byte[] planes = channelPlanes(image, transform.channels());
        return resize(planes, transform.channels(), image.getHeight(), image.getWidth(), transform.height(),
                transform.width());
    }

    private static ImageDecodeException refused(byte[] encoded, UnreadableImageException e) {
        return new ImageDecodeException("the image (" + encoded.length + " bytes) is refused: " + e.getMessage());
    }

    /**
     * Channel-first bytes at the image's own size. Grey rasters are read sample by sample: {@code getRGB}
     * would pass them through a colour-space conversion that changes their values. 8-bit grey and sRGB images
     * stored as interleaved bytes (what ImageIO gives for most PNGs and JPEGs) are read straight from their
     * buffer: the same values, without a {@code Raster.getSample} or {@code getRGB} call per pixel (a 224x224 RGB
     * PNG decoded in 1.8 ms instead of 3.5; a 28x28 digit barely changes, its 24 us being mostly the PNG reader).
     */
    private static byte[] channelPlanes(BufferedImage image, int channels) {
        int h = image.getHeight();
        int w = image.getWidth();
        Raster raster = image.getRaster();
        boolean grey = raster.getNumBands() <= 2 && image.getColorModel().getNumColorComponents() == 1;
        int shift = Math.max(0, raster.getSampleModel().getSampleSize(0) - 8);
        byte[] interleaved = interleavedBytes(image, grey);
        int pixelStride = 0;
        int scanlineStride = 0;
        int[] bands = null;
        if (interleaved != null) {
            ComponentSampleModel layout = (ComponentSampleModel) raster.getSampleModel();
            pixelStride = layout.getPixelStride();
            scanlineStride = layout.getScanlineStride();
            bands = layout.getBandOffsets();
        }
        byte[] planes = new byte[channels * h * w];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int r;
                int g;
                int b;
                if (interleaved != null) {
                    int at = y * scanlineStride + x * pixelStride;
                    r = interleaved[at + bands[0]] & 0xff;
                    g = grey ? r : interleaved[at + bands[1]] & 0xff;
                    b = grey ? r : interleaved[at + bands[2]] & 0xff;
                } else if (grey) {
                    r = g = b = raster.getSample(x, y, 0) >> shift;
                } else {
                    int rgb = image.getRGB(x, y);
                    r = (rgb >> 16) & 0xff;
                    g = (rgb >> 8) & 0xff;
                    b = rgb & 0xff;
                }
                int i = y * w + x;
                if (channels == 1) {
                    // ITU-R 601 luma, as PIL's convert("L") and torchvision's Grayscale compute it; a grey pixel's is
                    // its value.
                    planes[i] = grey ? (byte) r : (byte) Math.round(0.299 * r + 0.587 * g + 0.114 * b);
                } else {
                    planes[i] = (byte) r;
                    planes[h * w + i] = (byte) g;
                    planes[2 * h * w + i] = (byte) b;
                }
            }
        }
        return planes;
    }

    /**
     * The pixel bytes of an image whose samples are 8-bit bytes in one interleaved buffer, grey or sRGB without
     * premultiplied alpha: values {@code getSample} and {@code getRGB} would give unchanged. Null for any other
     * image (16-bit, palette, packed, ICC-profiled colour...), which is read pixel by pixel.
     */
    private static byte[] interleavedBytes(BufferedImage image, boolean grey) {
        Raster raster = image.getRaster();
        ColorModel colours = image.getColorModel();
        if (!(raster.getDataBuffer() instanceof DataBufferByte bytes) || bytes.getNumBanks() != 1
                || bytes.getOffset() != 0 || raster.getParent() != null || raster.getSampleModelTranslateX() != 0
                || raster.getSampleModelTranslateY() != 0 || !(raster.getSampleModel() instanceof ComponentSampleModel)
                || !(colours instanceof ComponentColorModel) || colours.isAlphaPremultiplied()
                || !(grey || colours.getColorSpace().isCS_sRGB() && raster.getNumBands() >= 3)) {
            return null;
        }
        return bytes.getData();
    }

    /** Bilinear resize with half-pixel centres (torchvision's {@code antialias=False}); a no-op at the same size. */
    static byte[] resize(byte[] planes, int channels, int h, int w, int outH, int outW) {
        if (h == outH && w == outW) {
            return planes;
        }
        byte[] out = new byte[channels * outH * outW];
        for (int c = 0; c < channels; c++) {
            int in = c * h * w;
            int base = c * outH * outW;
            Bilinear.resize(h, w, outH, outW, i -> planes[in + i] & 0xff, (i, v) -> out[base + i] = (byte) Math.round(v));
        }
        return out;
    }
}
