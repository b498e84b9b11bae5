package dev.kiln.vision.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.assertj.core.api.Assertions.withinPercentage;

import dev.kiln.vision.pipeline.Permutation;
import java.util.Arrays;
import java.util.Random;
import java.util.function.DoubleSupplier;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Statistical checks with a fixed seed, so they are deterministic; the bounds are several standard errors
 * wide for 20,000 draws, and tight enough that a wrong shape parameter fails them.
 */
class SamplingTest {

    private static final int DRAWS = 20_000;

    private static double[] draw(DoubleSupplier sampler) {
        double[] values = new double[DRAWS];
        for (int i = 0; i < DRAWS; i++) {
            values[i] = sampler.getAsDouble();
        }
        return values;
    }

    private static double mean(double[] values) {
        return Arrays.stream(values).average().orElseThrow();
    }

    private static double variance(double[] values) {
        double m = mean(values);
        return Arrays.stream(values).map(v -> (v - m) * (v - m)).average().orElseThrow();
    }

    @ParameterizedTest
    @ValueSource(doubles = {0.2, 2.0})
    void symmetricBetaHasMeanOneHalfAndTheBetaVariance(double alpha) {
        Random random = new Random(17);
        double[] lambdas = draw(() -> Sampling.symmetricBeta(random, alpha));

        // Mathematically in (0, 1); for alpha 0.2, x / (x + y) with y below 1e-16 * x rounds to exactly 1 in double.
        assertThat(Arrays.stream(lambdas).min().orElseThrow()).isGreaterThanOrEqualTo(0.0);
        assertThat(Arrays.stream(lambdas).max().orElseThrow()).isLessThanOrEqualTo(1.0);
        assertThat(mean(lambdas)).isCloseTo(0.5, within(0.02));
        // Var Beta(a, a) = 1 / (4 (2a + 1)): 0.179 for a = 0.2 (mass near 0 and 1), 0.05 for a = 2 (near 0.5).
        assertThat(variance(lambdas)).isCloseTo(1 / (4 * (2 * alpha + 1)), withinPercentage(10));
    }

    @Test
    void smallAlphaPutsMostDrawsNearTheEnds() {
        Random random = new Random(3);
        double[] lambdas = draw(() -> Sampling.symmetricBeta(random, 0.2));

        long nearEnds = Arrays.stream(lambdas).filter(l -> l < 0.1 || l > 0.9).count();
        // P(lambda < 0.1 or > 0.9) is about 0.6 for Beta(0.2, 0.2), and 0.1 for the uniform.
        assertThat(nearEnds).isGreaterThan(DRAWS / 2);
    }

    @ParameterizedTest
    @ValueSource(doubles = {0.5, 1.0, 3.0})
    void gammaHasMeanAndVarianceEqualToItsShape(double shape) {
        Random random = new Random(23);
        double[] values = draw(() -> Sampling.gamma(random, shape));

        assertThat(Arrays.stream(values).min().orElseThrow()).isPositive();
        assertThat(mean(values)).isCloseTo(shape, withinPercentage(5));
        assertThat(variance(values)).isCloseTo(shape, withinPercentage(10));
    }

    @Test
    void permutationHoldsEachIndexOnceAndDependsOnTheSeed() {
        long[] order = Permutation.of(new Random(5), 50);

        assertThat(Arrays.stream(order).sorted().toArray()).containsExactly(LongStream.range(0, 50).toArray());
        assertThat(order).isNotEqualTo(LongStream.range(0, 50).toArray());
        assertThat(Permutation.of(new Random(5), 50)).containsExactly(order);
        assertThat(Permutation.of(new Random(6), 50)).isNotEqualTo(order);
    }
}
