package dev.kiln.infra.torchscript;

import com.fasterxml.jackson.databind.JsonNode;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import javax.imageio.ImageIO;

/**
 * What vision-engine's TorchScript fixture script records ({@code pixels.json}: 8-bit 1x28x28 images and
 * PyTorch's logits for them), as a client would send the images and as Kiln should answer them.
 */
public final class FixtureOutputs {

    private static final int SIDE = 28;

    private FixtureOutputs() {
    }

    /** One of the fixture's images as a grey PNG. */
    public static byte[] png(JsonNode pixels, int image) {
        BufferedImage grey = new BufferedImage(SIDE, SIDE, BufferedImage.TYPE_BYTE_GRAY);
        for (int i = 0; i < SIDE * SIDE; i++) {
            int value = pixels.path("pixels").path(image * SIDE * SIDE + i).asInt();
            grey.getRaster().setSample(i % SIDE, i / SIDE, 0, value);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(grey, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** PyTorch's probabilities for one image of a batch: the softmax of its {@code classes} logits. */
    public static double[] probabilities(JsonNode logits, int image, int classes) {
        double[] values = new double[classes];
        double max = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < classes; c++) {
            values[c] = logits.path(image * classes + c).asDouble();
            max = Math.max(max, values[c]);
        }
        double sum = 0;
        for (int c = 0; c < classes; c++) {
            values[c] = Math.exp(values[c] - max);
            sum += values[c];
        }
        for (int c = 0; c < classes; c++) {
            values[c] /= sum;
        }
        return values;
    }
}
