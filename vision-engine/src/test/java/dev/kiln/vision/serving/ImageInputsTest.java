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
