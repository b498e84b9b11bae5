package dev.kiln.imagedata.images;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kiln.imagedata.images.ImageDecoder.Limits;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.zip.CRC32;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import org.junit.jupiter.api.Test;

class ImageDecoderTest {

    private static final Limits LIMITS = new Limits(4096, 4096L * 4096);

    @Test
    void pngAndJpegSizesAreReadFromTheirHeadersWidthFirst() throws Exception {
        for (byte[] image : new byte[][] {encode("png", 30, 20), encode("jpeg", 30, 20), progressiveJpeg(30, 20)}) {
            assertThat(ImageDecoder.claimedPixels(image, LIMITS)).isEqualTo(600);
            assertThatThrownBy(() -> ImageDecoder.claimedPixels(image, new Limits(25, 10_000)))
                    .isInstanceOf(UnreadableImageException.class).hasMessageContaining("30x20 pixels");
        }
    }

    @Test
    void headerBombsAreRefusedFromTheirClaim() throws Exception {
        byte[] png = encode("png", 2, 2);
        ByteBuffer.wrap(png).putInt(16, 40_000).putInt(20, 40_000);
        CRC32 crc = new CRC32();
        crc.update(png, 12, 17);
        ByteBuffer.wrap(png).putInt(29, (int) crc.getValue());
        byte[] jpeg = encode("jpeg", 2, 2);
        int frame = indexOf(jpeg, (byte) 0xff, (byte) 0xc0);
        ByteBuffer.wrap(jpeg).putShort(frame + 5, (short) 40_000).putShort(frame + 7, (short) 40_000);

        for (byte[] bomb : new byte[][] {png, jpeg}) {
            assertThatThrownBy(() -> ImageDecoder.claimedPixels(bomb, LIMITS))
                    .isInstanceOf(UnreadableImageException.class)
                    .hasMessageContaining("40000x40000 pixels: larger than the limit");
        }
    }

    @Test
    void headersThatDoNotParseGetTheDecodersOwnRefusal() throws Exception {
        byte[] png = encode("png", 30, 20);
        byte[] wrongChunk = png.clone();
        wrongChunk[15] = 'X';
        byte[] jpeg = encode("jpeg", 30, 20);
        byte[] noFrame = Arrays.copyOf(jpeg, indexOf(jpeg, (byte) 0xff, (byte) 0xc0));

        for (byte[] broken : new byte[][] {Arrays.copyOf(png, 20), wrongChunk, noFrame}) {
            assertThatThrownBy(() -> ImageDecoder.claimedPixels(broken, LIMITS))
                    .isInstanceOf(UnreadableImageException.class);
        }
        assertThatThrownBy(() -> ImageDecoder.claimedPixels("not an image".getBytes(), LIMITS))
                .hasMessage("not a PNG or JPEG image");
        assertThatThrownBy(() -> ImageDecoder.claimedPixels(encode("gif", 30, 20), LIMITS))
                .hasMessage("a gif image, not PNG or JPEG");
    }

    private static byte[] encode(String format, int width, int height) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB), format, out);
        return out.toByteArray();
    }

    /** A progressive JPEG: its frame header is SOF2, not SOF0. */
    private static byte[] progressiveJpeg(int width, int height) throws Exception {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        ImageWriteParam param = writer.getDefaultWriteParam();
        param.setProgressiveMode(ImageWriteParam.MODE_DEFAULT);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (MemoryCacheImageOutputStream stream = new MemoryCacheImageOutputStream(out)) {
            writer.setOutput(stream);
            writer.write(null, new IIOImage(new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB), null, null),
                    param);
        } finally {
            writer.dispose();
        }
        byte[] jpeg = out.toByteArray();
        assertThat(indexOf(jpeg, (byte) 0xff, (byte) 0xc2)).isPositive();
        return jpeg;
    }

    private static int indexOf(byte[] bytes, byte first, byte second) {
        for (int i = 0; i + 1 < bytes.length; i++) {
            if (bytes[i] == first && bytes[i + 1] == second) {
                return i;
            }
        }
        return -1;
    }
}
