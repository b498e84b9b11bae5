package dev.kiln.vision.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kiln.vision.checkpoints.EvalTransform;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class ImageInputsTest {

    private static final EvalTransform GREY_28 = new EvalTransform(1, 28, 28, List.of(0.5f), List.of(0.5f));
    private static final EvalTransform RGB_32 =
            new EvalTransform(3, 32, 32, List.of(0f, 0f, 0f), List.of(1f, 1f, 1f));

    @Test
    void aColourJpegBecomesGreyLumaAtTheModelsSize() throws Exception {
        byte[] jpeg = encode(filled(64, 48, new Color(200, 100, 50)), "jpeg");

        byte[] pixels = ImageInputs.decode(jpeg, GREY_28);

        assertThat(pixels).hasSize(28 * 28);
        // 0.299*200 + 0.587*100 + 0.114*50 = 124.2; JPEG may move a uniform colour by a level or two.
        for (byte p : pixels) {
            assertThat(p & 0xff).isBetween(121, 127);
        }
    }

    @Test
    void aColourPngKeepsItsChannelsInRgbOrder() throws Exception {
        byte[] png = encode(filled(32, 32, new Color(10, 20, 30)), "png");

        float[] input = ImageInputs.fromEncoded(png, RGB_32);

        assertThat(input).hasSize(3 * 32 * 32);
        assertThat(input[0]).isEqualTo(10 / 255f, org.assertj.core.data.Offset.offset(1e-6f));
        assertThat(input[32 * 32]).isEqualTo(20 / 255f, org.assertj.core.data.Offset.offset(1e-6f));
        assertThat(input[2 * 32 * 32]).isEqualTo(30 / 255f, org.assertj.core.data.Offset.offset(1e-6f));
    }

    /**
     * The bytes read straight from an interleaved 8-bit buffer are the values {@code getSample} (grey) and
     * {@code getRGB} (colour) give for the same decoded image, for every layout ImageIO produces from a PNG here:
     * grey, grey with alpha (16-bit grey goes pixel by pixel), RGB, RGBA, and a palette (pixel by pixel).
     */
    @Test
    void everyStoredLayoutGivesThePixelValuesOfThePixelByPixelRead() throws Exception {
        java.util.Random random = new java.util.Random(7);
        for (int type : new int[] {BufferedImage.TYPE_BYTE_GRAY, BufferedImage.TYPE_USHORT_GRAY,
                BufferedImage.TYPE_3BYTE_BGR, BufferedImage.TYPE_4BYTE_ABGR, BufferedImage.TYPE_INT_RGB,
                BufferedImage.TYPE_BYTE_INDEXED}) {
            BufferedImage original = new BufferedImage(13, 9, type);
            for (int y = 0; y < 9; y++) {
                for (int x = 0; x < 13; x++) {
                    original.setRGB(x, y, random.nextInt());
                }
            }
            byte[] png = encode(original, "png");
            BufferedImage decoded = ImageIO.read(new java.io.ByteArrayInputStream(png));
            boolean grey = decoded.getColorModel().getNumColorComponents() == 1;
            int shift = decoded.getRaster().getSampleModel().getSampleSize(0) - 8;
            EvalTransform rgb = new EvalTransform(3, 9, 13, List.of(0f, 0f, 0f), List.of(1f, 1f, 1f));
            EvalTransform luma = new EvalTransform(1, 9, 13, List.of(0f), List.of(1f));
            byte[] colour = ImageInputs.decode(png, rgb);
            byte[] single = ImageInputs.decode(png, luma);
            for (int y = 0; y < 9; y++) {
                for (int x = 0; x < 13; x++) {
                    int argb = decoded.getRGB(x, y);
                    int r = grey ? decoded.getRaster().getSample(x, y, 0) >> shift : (argb >> 16) & 0xff;
                    int g = grey ? r : (argb >> 8) & 0xff;
                    int b = grey ? r : argb & 0xff;
                    int i = y * 13 + x;
                    String where = "type " + type + " at " + x + "," + y;
                    assertThat(new int[] {colour[i] & 0xff, colour[117 + i] & 0xff, colour[234 + i] & 0xff})
                            .as(where).containsExactly(r, g, b);
                    assertThat(single[i] & 0xff).as(where)
                            .isEqualTo((int) Math.round(0.299 * r + 0.587 * g + 0.114 * b));
                }
            }
        }
    }

    @Test
    void bilinearResizeKeepsAGradientMonotoneAndItsEnds() {
        byte[] row = new byte[8];
        for (int x = 0; x < 8; x++) {
            row[x] = (byte) (x * 32);
        }

        byte[] half = ImageInputs.resize(row, 1, 1, 8, 1, 4);

        assertThat(half).containsExactly((byte) 16, (byte) 80, (byte) 144, (byte) 208);
    }

    @Test
    void bytesThatAreNoImageAreRefusedWithAReason() {
        assertThatThrownBy(() -> ImageInputs.decode("hello, not a picture".getBytes(), GREY_28))
                .isInstanceOf(ImageDecodeException.class).hasMessageContaining("not a PNG or JPEG image");
    }

    @Test
    void aTruncatedPngIsRefusedWithAReason() throws Exception {
        byte[] png = encode(filled(32, 32, Color.WHITE), "png");
        byte[] truncated = java.util.Arrays.copyOf(png, png.length / 2);

        assertThatThrownBy(() -> ImageInputs.decode(truncated, GREY_28)).isInstanceOf(ImageDecodeException.class);
    }

    private static BufferedImage filled(int w, int h, Color color) {
        BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setColor(color);
        g.fillRect(0, 0, w, h);
        g.dispose();
        return image;
    }

    private static byte[] encode(BufferedImage image, String format) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, format, out);
        return out.toByteArray();
    }
}
