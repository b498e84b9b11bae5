package dev.kiln.vision.serving;

import java.util.function.IntToDoubleFunction;

/**
 * Bilinear resizing of one image plane with half-pixel centres (PyTorch's {@code interpolate(align_corners=False)},
 * torchvision's {@code antialias=False}): for served images and for saliency maps, whatever their element type.
 */
public final class Bilinear {

    private Bilinear() {
    }

    /** Receives each output pixel: its index in the output plane and its value. */
    @FunctionalInterface
    public interface Sink {
        void accept(int index, double value);
    }

    /** Reads an {@code h x w} plane through {@code source} (by index) and writes the {@code outH x outW} one. */
    public static void resize(int h, int w, int outH, int outW, IntToDoubleFunction source, Sink sink) {
        double scaleY = (double) h / outH;
        double scaleX = (double) w / outW;
        for (int y = 0; y < outH; y++) {
            double sy = Math.min(Math.max((y + 0.5) * scaleY - 0.5, 0), h - 1);
            int y0 = (int) sy;
            int y1 = Math.min(y0 + 1, h - 1);
            double fy = sy - y0;
            for (int x = 0; x < outW; x++) {
                double sx = Math.min(Math.max((x + 0.5) * scaleX - 0.5, 0), w - 1);
                int x0 = (int) sx;
                int x1 = Math.min(x0 + 1, w - 1);
                double fx = sx - x0;
                double top = source.applyAsDouble(y0 * w + x0) * (1 - fx) + source.applyAsDouble(y0 * w + x1) * fx;
                double bottom = source.applyAsDouble(y1 * w + x0) * (1 - fx) + source.applyAsDouble(y1 * w + x1) * fx;
                sink.accept(y * outW + x, top * (1 - fy) + bottom * fy);
            }
        }
    }
}
