package dev.kiln.vision.pipeline;

import dev.kiln.vision.checkpoints.EvalTransform;
import dev.kiln.vision.datasets.ImageSet;
import java.util.Arrays;

/**
 * Per-channel mean and standard deviation applied after scaling pixels to [0, 1]; part of the evaluation
 * transform a checkpoint records, so serving preprocesses exactly as training did.
 */
public record Normalization(float[] mean, float[] std) {

    public static final Normalization NONE_GREY = new Normalization(new float[] {0f}, new float[] {1f});

    public Normalization {
        if (mean.length != std.length || mean.length == 0) {
            throw new IllegalArgumentException("mean and std need one value per channel");
        }
        mean = mean.clone();
        std = std.clone();
    }

    public int channels() {
        return mean.length;
    }

    /**
     * @param preset a name from {@link dev.kiln.contracts.runs.Catalog#NORMALIZATIONS}
     * @param train  the training split, for {@code dataset} statistics (never the test set)
     */
    public static Normalization of(String preset, ImageSet train) {
        int c = train.channels();
        return switch (preset) {
            case "mnist" -> uniform(c, 0.1307f, 0.3081f);
            case "cifar" -> {
                if (c != 3) {
                    throw new IllegalArgumentException("the 'cifar' preset is for colour images");
                }
                yield new Normalization(new float[] {0.4914f, 0.4822f, 0.4465f}, new float[] {0.2023f, 0.1994f, 0.2010f});
            }
            case "half" -> uniform(c, 0.5f, 0.5f);
            case "none" -> uniform(c, 0f, 1f);
            case "dataset" -> statistics(train);
            default -> throw new IllegalArgumentException("unknown normalization '" + preset + "'");
        };
    }

    /** The normalisation a checkpoint's model was trained with (an imported model's, from its manifest). */
    public static Normalization of(EvalTransform transform) {
        float[] mean = new float[transform.mean().size()];
        float[] std = new float[transform.std().size()];
        for (int c = 0; c < mean.length; c++) {
            mean[c] = transform.mean().get(c);
            std[c] = transform.std().get(c);
        }
        return new Normalization(mean, std);
    }

    private static Normalization uniform(int channels, float mean, float std) {
        float[] m = new float[channels];
        float[] s = new float[channels];
        Arrays.fill(m, mean);
        Arrays.fill(s, std);
        return new Normalization(m, s);
    }

    /** Mean and population standard deviation per channel, as torchvision users compute them. */
    static Normalization statistics(ImageSet set) {
        int c = set.channels();
        int plane = set.height() * set.width();
        double[] sum = new double[c];
        double[] squares = new double[c];
        byte[] pixels = set.pixels();
        for (int i = 0; i < pixels.length; i++) {
            int channel = (i / plane) % c;
            double v = (pixels[i] & 0xff) / 255.0;
            sum[channel] += v;
            squares[channel] += v * v;
        }
        double n = (double) set.size() * plane;
        float[] mean = new float[c];
        float[] std = new float[c];
        for (int k = 0; k < c; k++) {
            double m = sum[k] / n;
            mean[k] = (float) m;
            std[k] = (float) Math.sqrt(Math.max(squares[k] / n - m * m, 1e-12));
        }
        return new Normalization(mean, std);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Normalization n && Arrays.equals(mean, n.mean) && Arrays.equals(std, n.std);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(mean) + Arrays.hashCode(std);
    }

    @Override
    public String toString() {
        return "Normalization[mean=" + Arrays.toString(mean) + ", std=" + Arrays.toString(std) + "]";
    }
}
