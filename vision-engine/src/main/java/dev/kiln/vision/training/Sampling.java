package dev.kiln.vision.training;

import java.util.Random;

/** Random draws java.util.Random lacks, from a seeded Random so runs stay reproducible. */
final class Sampling {

    private Sampling() {
    }

    /** lambda ~ Beta(alpha, alpha), as mixup draws it. */
    static double symmetricBeta(Random random, double alpha) {
        double x = gamma(random, alpha);
        double y = gamma(random, alpha);
        return x / (x + y);
    }

    /** Gamma(shape, 1) by Marsaglia and Tsang; shapes below 1 by the boost Gamma(shape + 1) * U^(1/shape). */
    static double gamma(Random random, double shape) {
        if (shape < 1) {
            return gamma(random, shape + 1) * Math.pow(random.nextDouble(), 1 / shape);
        }
        double d = shape - 1.0 / 3;
        double c = 1 / Math.sqrt(9 * d);
        while (true) {
            double x = random.nextGaussian();
            double v = 1 + c * x;
            if (v <= 0) {
                continue;
            }
            v = v * v * v;
            double u = random.nextDouble();
            if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) {
                return d * v;
            }
        }
    }
}
