package dev.kiln.imagedata.images;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/** Decoded images to the bytes Kiln trains on, and the digest that finds the same picture twice. */
public final class Rasters {

    private Rasters() {
    }

    /**
     * Draws {@code image} onto an RGB canvas of the target size (bilinear when the size differs; grey levels
     * copied unchanged), then stores it channel-first at {@code pixels[offset]}: 1 channel as PIL's integer luma
     * (mode "L", so grey images match what torchvision gives), or 3 (RGB). Transparent pixels end up on black.
     */
    public static void writeChannelFirst(BufferedImage image, int channels, int height, int width, byte[] pixels,
            int offset) {
        BufferedImage canvas = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D graphics = canvas.createGraphics();
        graphics.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        graphics.drawImage(image, 0, 0, width, height, null);
        graphics.dispose();
        int[] rgb = canvas.getRGB(0, 0, width, height, null, 0, width);
        int plane = height * width;
        for (int i = 0; i < plane; i++) {
            int red = rgb[i] >> 16 & 0xff;
            int green = rgb[i] >> 8 & 0xff;
            int blue = rgb[i] & 0xff;
            if (channels == 1) {
                pixels[offset + i] = (byte) ((red * 19595 + green * 38470 + blue * 7471 + 0x8000) >> 16);
            } else {
                pixels[offset + i] = (byte) red;
                pixels[offset + plane + i] = (byte) green;
                pixels[offset + 2 * plane + i] = (byte) blue;
            }
        }
    }

    /**
     * The inverse of {@link #writeChannelFirst}: the image stored channel-first at {@code pixels[offset]} as a
     * grey (1 channel) or RGB (3) picture, to encode or to redraw.
     */
    public static BufferedImage channelFirstImage(byte[] pixels, int offset, int channels, int height, int width) {
        int plane = height * width;
        if (channels == 1) {
            BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY);
            image.getRaster().setDataElements(0, 0, width, height, Arrays.copyOfRange(pixels, offset, offset + plane));
            return image;
        }
        if (channels != 3) {
            throw new IllegalArgumentException(channels + " channels: images have 1 (grey) or 3 (RGB)");
        }
        int[] rgb = new int[plane];
        for (int i = 0; i < plane; i++) {
            rgb[i] = (pixels[offset + i] & 0xff) << 16 | (pixels[offset + plane + i] & 0xff) << 8
                    | pixels[offset + 2 * plane + i] & 0xff;
        }
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        image.setRGB(0, 0, width, height, rgb, 0, width);
        return image;
    }

    /**
     * SHA-256 of the size and the decoded ARGB pixels: equal for the same picture in any lossless encoding
     * (PNG written twice, with other compression), different for a re-compressed JPEG.
     */
    public static String pixelDigest(BufferedImage image) {
        MessageDigest digest = sha256();
        int width = image.getWidth();
        digest.update(ByteBuffer.allocate(8).putInt(width).putInt(image.getHeight()).array());
        int[] row = new int[width];
        ByteBuffer bytes = ByteBuffer.allocate(width * 4);
        for (int y = 0; y < image.getHeight(); y++) {
            image.getRGB(0, y, width, 1, row, 0, width);
            bytes.clear();
            bytes.asIntBuffer().put(row);
            digest.update(bytes.array());
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    /** SHA-256 of an image already in Kiln's bytes (IDX and CIFAR records): equal bytes, the same picture. */
    public static String bytesDigest(byte[] pixels) {
        return HexFormat.of().formatHex(sha256().digest(pixels));
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
