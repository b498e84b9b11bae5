package dev.kiln.infra.images;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;

/** PNG files whose header claims another size than their pixels have: the cheapest hostile input to a decoder. */
public final class PngClaims {

    private PngClaims() {
    }

    /** The PNG with its header's size patched (the header's CRC recomputed, so decoders believe it). */
    public static byte[] claiming(byte[] png, int width, int height) {
        byte[] patched = png.clone();
        ByteBuffer header = ByteBuffer.wrap(patched);
        header.putInt(16, width).putInt(20, height);
        CRC32 crc = new CRC32();
        crc.update(patched, 12, 17);
        header.putInt(29, (int) crc.getValue());
        return patched;
    }

    /** A 2x2 grey PNG of about a hundred bytes that claims 40000x40000 pixels (1.6 gigapixels). */
    public static byte[] headerBomb() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(new BufferedImage(2, 2, BufferedImage.TYPE_BYTE_GRAY), "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return claiming(out.toByteArray(), 40_000, 40_000);
    }
}
