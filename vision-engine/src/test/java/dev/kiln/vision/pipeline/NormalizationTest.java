package dev.kiln.vision.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.kiln.vision.datasets.ImageSet;
import java.util.List;
import org.junit.jupiter.api.Test;

class NormalizationTest {

    private static ImageSet blank(int channels) {
        return new ImageSet(List.of("only"), channels, 1, 1, new byte[channels], new int[] {0});
    }

    /**
     * Two 3-channel 1x2 images, channel after channel within each image:
     * channel 0 holds 0, 1, 0, 1; channel 1 is constant 0.2; channel 2 holds 0, 0.2, 0.4, 0.6 (bytes / 255).
     */
    private static ImageSet twoColourImages() {
        byte[] pixels = {
                0, (byte) 255, 51, 51, 0, 51,
                0, (byte) 255, 51, 51, 102, (byte) 153};
        return new ImageSet(List.of("only"), 3, 1, 2, pixels, new int[] {0, 0});
    }

    @Test
    void presetsRepeatTheirValuesPerChannel() {
        assertThat(Normalization.of("mnist", blank(1))).isEqualTo(new Normalization(new float[] {0.1307f}, new float[] {0.3081f}));
        Normalization half = Normalization.of("half", blank(3));
        assertThat(half.mean()).containsExactly(0.5f, 0.5f, 0.5f);
        assertThat(half.std()).containsExactly(0.5f, 0.5f, 0.5f);
        assertThat(Normalization.of("none", blank(1))).isEqualTo(Normalization.NONE_GREY);
    }

    @Test
    void cifarIsPerChannelAndForColourOnly() {
        Normalization cifar = Normalization.of("cifar", blank(3));

        assertThat(cifar.mean()).containsExactly(0.4914f, 0.4822f, 0.4465f);
        assertThat(cifar.std()).containsExactly(0.2023f, 0.1994f, 0.2010f);
        assertThatThrownBy(() -> Normalization.of("cifar", blank(1))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void datasetStatisticsArePerChannelMeanAndPopulationStd() {
        Normalization stats = Normalization.of("dataset", twoColourImages());

        assertThat(stats.mean()).containsExactly(new float[] {0.5f, 0.2f, 0.3f}, within(1e-6f));
        // Population std: sqrt((0.09 + 0.01 + 0.01 + 0.09) / 4) for channel 2.
        assertThat(stats.std()[0]).isCloseTo(0.5f, within(1e-6f));
        assertThat(stats.std()[2]).isCloseTo((float) Math.sqrt(0.05), within(1e-6f));
        // A constant channel gets a tiny positive std instead of a division by zero.
        assertThat(stats.std()[1]).isPositive().isLessThan(1e-5f);
    }

    @Test
    void anUnknownPresetOrMismatchedArraysAreRefused() {
        assertThatThrownBy(() -> Normalization.of("imagenet", blank(3))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Normalization(new float[] {0f, 0f}, new float[] {1f}))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theConstructorCopiesItsArrays() {
        float[] mean = {0.25f};
        Normalization normalization = new Normalization(mean, new float[] {1f});

        mean[0] = 9f;

        assertThat(normalization.mean()).containsExactly(0.25f);
    }
}
