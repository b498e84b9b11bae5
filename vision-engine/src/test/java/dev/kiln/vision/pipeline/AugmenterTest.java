package dev.kiln.vision.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import dev.kiln.vision.NDArrayTest;
import ai.djl.ndarray.types.Shape;
import dev.kiln.vision.pipeline.BatchAugmenter.Draw;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class AugmenterTest extends NDArrayTest {

    private static final AugmentationSettings ALL = new AugmentationSettings(4, true, 15, 0.4, 0.1);

    @Test
    void settingsRejectOutOfRangeValues() {
        assertThat(AugmentationSettings.NONE.enabled()).isFalse();
        assertThat(new AugmentationSettings(0, true, 0, 0, 0).enabled()).isTrue();
        assertThatThrownBy(() -> new AugmentationSettings(-1, false, 0, 0, 0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new AugmentationSettings(0, false, Double.NaN, 0, 0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new AugmentationSettings(0, false, 0, -0.1, 0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new AugmentationSettings(0, false, 0, 0, 0.6))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void noneReturnsAnEqualNewArray() {
        NDArray batch = randomBatch(4, 3, 8, 8, 1);

        NDArray out = new BatchAugmenter(AugmentationSettings.NONE, new Random(1)).apply(batch);

        assertThat(out).isNotSameAs(batch);
        assertThat(out.getManager()).isSameAs(manager);
        assertThat(out.getShape()).isEqualTo(batch.getShape());
        assertThat(out.toFloatArray()).containsExactly(batch.toFloatArray());
    }

    @Test
    void everyCropIsAWindowOfTheZeroPaddedImage() {
        int n = 8;
        int size = 6;
        int p = 2;
        float[] image = new float[size * size];
        for (int i = 0; i < image.length; i++) {
            image[i] = (i + 1) / 36f; // no zeros, so any zero in the output is padding
        }
        NDArray batch = manager.create(image, new Shape(1, 1, size, size)).repeat(0, n);
        BatchAugmenter augmenter = new BatchAugmenter(new AugmentationSettings(p, false, 0, 0, 0), new Random(3));

        Draw draw = augmenter.draw(n);
        NDArray out = augmenter.apply(batch, draw);

        boolean someShiftedWithZeroBorder = false;
        for (int s = 0; s < n; s++) {
            int dy = draw.cropRows()[s];
            int dx = draw.cropCols()[s];
            assertThat(dy).isBetween(0, 2 * p);
            assertThat(dx).isBetween(0, 2 * p);
            float[] expected = new float[size * size];
            for (int r = 0; r < size; r++) {
                for (int c = 0; c < size; c++) {
                    int sr = r + dy - p;
                    int sc = c + dx - p;
                    boolean inside = sr >= 0 && sr < size && sc >= 0 && sc < size;
                    expected[r * size + c] = inside ? image[sr * size + sc] : 0f;
                }
            }
            float[] actual = out.get(s).toFloatArray();
            assertThat(actual).as("sample %d at offset (%d, %d)", s, dy, dx).containsExactly(expected);
            someShiftedWithZeroBorder |= (dy != p || dx != p) && contains(actual, 0f);
        }
        assertThat(someShiftedWithZeroBorder).isTrue();
        assertThat(batch.get(0).toFloatArray()).containsExactly(image);
    }

    @Test
    void drawThenApplyIsWhatApplyDoes() {
        NDArray batch = randomBatch(4, 3, 8, 8, 2);

        BatchAugmenter split = new BatchAugmenter(ALL, new Random(9));
        NDArray expected = split.apply(batch, split.draw(4));
        NDArray actual = new BatchAugmenter(ALL, new Random(9)).apply(batch);

        assertThat(actual.toFloatArray()).containsExactly(expected.toFloatArray());
    }

    @Test
    void flippedSamplesAreMirroredAndTheRestUntouched() {
        int n = 16;
        NDArray batch = randomBatch(n, 3, 5, 7, 4);
        BatchAugmenter augmenter = new BatchAugmenter(new AugmentationSettings(0, true, 0, 0, 0), new Random(5));

        Draw draw = augmenter.draw(n);
        NDArray out = augmenter.apply(batch, draw);

        NDArray mirrored = batch.flip(3);
        int flipped = 0;
        for (int s = 0; s < n; s++) {
            NDArray expected = draw.flips()[s] ? mirrored.get(s) : batch.get(s);
            assertThat(out.get(s).toFloatArray()).as("sample %d", s).containsExactly(expected.toFloatArray());
            flipped += draw.flips()[s] ? 1 : 0;
        }
        assertThat(flipped).isBetween(1, n - 1);
    }

    @Test
    void quarterTurnsAreTransposeAndFlip() {
        BatchAugmenter augmenter = new BatchAugmenter(new AugmentationSettings(0, false, 90, 0, 0), new Random(0));
        for (int size : new int[] {5, 6}) {
            NDArray batch = randomBatch(2, 3, size, size, size);
            NDArray transposed = batch.transpose(0, 1, 3, 2);

            // Counter-clockwise, as torchvision: the right edge becomes the top row.
            NDArray left = augmenter.apply(batch, rotations(90, 90));
            NDArray right = augmenter.apply(batch, rotations(-90, -90));

            assertThat(left.toFloatArray()).containsExactly(transposed.flip(2).toFloatArray());
            assertThat(right.toFloatArray()).containsExactly(transposed.flip(3).toFloatArray());
        }
    }

    @Test
    void rotationKeepsTheShapeAndFillsTheCornersWithZero() {
        NDArray batch = manager.ones(new Shape(2, 1, 9, 9));
        BatchAugmenter augmenter = new BatchAugmenter(new AugmentationSettings(0, false, 45, 0, 0), new Random(0));

        NDArray out = augmenter.apply(batch, rotations(45, -45));

        assertThat(out.getShape()).isEqualTo(batch.getShape());
        for (int s = 0; s < 2; s++) {
            for (int[] corner : new int[][] {{0, 0}, {0, 8}, {8, 0}, {8, 8}}) {
                assertThat(out.getFloat(s, 0, corner[0], corner[1])).isZero();
            }
            assertThat(out.getFloat(s, 0, 4, 4)).isEqualTo(1f);
        }
        NDArray random = augmenter.apply(randomBatch(4, 3, 9, 9, 6));
        assertThat(random.getShape()).isEqualTo(new Shape(4, 3, 9, 9));
    }

    @Test
    void theOneGatherIsCropThenFlipThenRotation() {
        NDArray batch = randomBatch(3, 3, 7, 7, 15);
        BatchAugmenter augmenter = new BatchAugmenter(new AugmentationSettings(2, true, 90, 0, 0), new Random(0));
        int[] rows = {0, 2, 4};
        int[] cols = {4, 1, 2};
        boolean[] flips = {true, false, true};
        double[] angles = {90, -90, 30};

        NDArray together = augmenter.apply(batch, new Draw(rows, cols, flips, angles, null, null, null, null, null, null));

        NDArray cropped = augmenter.apply(batch, new Draw(rows, cols, null, null, null, null, null, null, null, null));
        NDArray flipped = augmenter.apply(cropped, new Draw(null, null, flips, null, null, null, null, null, null, null));
        NDArray rotated = augmenter.apply(flipped, rotations(angles));
        assertThat(together.toFloatArray()).containsExactly(rotated.toFloatArray());
    }

    @Test
    void brightnessScalesEachSampleAndStaysInRange() {
        int n = 16;
        NDArray batch = manager.full(new Shape(n, 3, 4, 4), 0.8f);
        BatchAugmenter augmenter = new BatchAugmenter(new AugmentationSettings(0, false, 0, 0.5, 0), new Random(7));

        Draw draw = augmenter.draw(n);
        NDArray out = augmenter.apply(batch, draw);

        boolean clamped = false;
        for (int s = 0; s < n; s++) {
            float factor = draw.brightness()[s];
            assertThat(factor).isBetween(0.5f, 1.5f);
            float expected = Math.min(1f, 0.8f * factor);
            clamped |= expected == 1f;
            for (float value : out.get(s).toFloatArray()) {
                assertThat(value).isCloseTo(expected, within(1e-6f));
            }
        }
        assertThat(clamped).isTrue();
        assertThat(out.min().getFloat()).isGreaterThanOrEqualTo(0f);
        assertThat(out.max().getFloat()).isLessThanOrEqualTo(1f);
    }

    @Test
    void hueLeavesGreyAloneAndTurnsColours() {
        BatchAugmenter augmenter = new BatchAugmenter(new AugmentationSettings(0, false, 0, 0, 0.5), new Random(8));
        NDArray grey = randomBatch(4, 1, 6, 6, 9).repeat(1, 3);

        assertThat(augmenter.apply(grey).toFloatArray()).containsExactly(grey.toFloatArray(), within(1e-6f));

        NDArray colour = randomBatch(4, 3, 6, 6, 10);
        NDArray turned = augmenter.apply(colour);
        assertThat(turned.sub(colour).abs().max().getFloat()).isGreaterThan(0.05f);
        assertThat(turned.min().getFloat()).isGreaterThanOrEqualTo(0f);
        assertThat(turned.max().getFloat()).isLessThanOrEqualTo(1f);

        assertThat(augmenter.apply(colour, hueShifts(0, 0, 0, 0)).toFloatArray())
                .containsExactly(colour.toFloatArray(), within(1e-6f));
    }

    @Test
    void positiveHueTurnsRedTowardsYellow() {
        BatchAugmenter augmenter = new BatchAugmenter(new AugmentationSettings(0, false, 0, 0, 0.5), new Random(0));
        NDArray red = manager.create(new float[] {0.8f, 0.2f, 0.2f}, new Shape(1, 3, 1, 1));

        float[] rgb = augmenter.apply(red, hueShifts(1 / 6.0)).toFloatArray();

        // HSV gives yellow (0.8, 0.8, 0.2); the YIQ rotation keeps the luma instead: about (0.50, 0.46, 0).
        assertThat(rgb[0]).isCloseTo(0.502f, within(1e-3f));
        assertThat(rgb[1]).isCloseTo(0.460f, within(1e-3f));
        assertThat(rgb[2]).isZero();
    }

    @Test
    void hueOnOneChannelIsRejected() {
        BatchAugmenter augmenter = new BatchAugmenter(new AugmentationSettings(0, false, 0, 0, 0.1), new Random(0));

        assertThatThrownBy(() -> augmenter.apply(randomBatch(2, 1, 4, 4, 11)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("3 channels");
    }

    @Test
    void theSameSeedGivesTheSameBatch() {
        NDArray batch = randomBatch(8, 3, 12, 12, 12);

        float[] first = new BatchAugmenter(ALL, new Random(42)).apply(batch).toFloatArray();
        float[] again = new BatchAugmenter(ALL, new Random(42)).apply(batch).toFloatArray();
        float[] other = new BatchAugmenter(ALL, new Random(43)).apply(batch).toFloatArray();

        assertThat(again).containsExactly(first);
        assertThat(other).isNotEqualTo(first);
    }

    @Test
    void leavesOnlyItsResultBehind() {
        NDArray batch = randomBatch(8, 3, 12, 12, 13);
        float[] original = batch.toFloatArray();
        BatchAugmenter augmenter = new BatchAugmenter(ALL, new Random(14));
        int before = manager.getManagedArrays().size();

        NDArray kept = augmenter.apply(batch);
        assertThat(manager.getManagedArrays()).hasSize(before + 1).contains(kept);
        for (int i = 0; i < 50; i++) {
            try (NDArray out = augmenter.apply(batch)) {
                assertThat(out.getShape()).isEqualTo(batch.getShape());
            }
        }

        assertThat(manager.getManagedArrays()).hasSize(before + 1);
        assertThat(batch.toFloatArray()).containsExactly(original);
    }

    @Test
    void bothFlipsTogetherAreAHalfTurnAndTheVerticalOneTurnsImagesUpsideDown() {
        NDArray batch = randomBatch(2, 3, 5, 6, 21);
        BatchAugmenter augmenter = new BatchAugmenter(AugmentationSettings.NONE, new Random(0));
        boolean[] both = {true, true};

        NDArray flipped = augmenter.apply(batch, new Draw(null, null, both, null, null, null, both, null, null, null));
        NDArray upsideDown = augmenter.apply(batch, new Draw(null, null, null, null, null, null,
                new boolean[] {true, false}, null, null, null));

        assertThat(flipped.toFloatArray()).containsExactly(augmenter.apply(batch, rotations(180, 180)).toFloatArray());
        assertThat(upsideDown.get("0").toFloatArray()).containsExactly(batch.get("0").flip(1).toFloatArray());
        assertThat(upsideDown.get("1").toFloatArray()).containsExactly(batch.get("1").toFloatArray());
    }

    @Test
    void zoomingOutLeavesABorderOfZeroAndZoomingInSpreadsTheCentre() {
        NDArray batch = manager.ones(new Shape(1, 1, 8, 8));
        BatchAugmenter augmenter = new BatchAugmenter(AugmentationSettings.NONE, new Random(0));

        float[] out = augmenter.apply(batch, zooms(0.5)).toFloatArray();
        NDArray centre = manager.zeros(new Shape(1, 1, 8, 8)).add(manager.arange(64f).reshape(1, 1, 8, 8));
        float[] in = augmenter.apply(centre, zooms(2)).toFloatArray();

        assertThat(out[0]).as("corner").isZero();
        assertThat(out[3 * 8 + 3]).as("centre").isEqualTo(1f);
        assertThat(augmenter.apply(batch, zooms(1)).toFloatArray()).containsOnly(1f);
        // At 2x the 8x8 output reads the centre 4x4 of the input: rows and columns 2..5.
        for (float value : in) {
            int row = (int) value / 8;
            int col = (int) value % 8;
            assertThat(List.of(row, col)).allSatisfy(v -> assertThat(v).isBetween(2, 5));
        }
    }

    @Test
    void contrastBlendsWithTheMeanGreyAndSaturationZeroIsGrey() {
        NDArray batch = randomBatch(2, 3, 4, 4, 33);
        BatchAugmenter augmenter = new BatchAugmenter(AugmentationSettings.NONE, new Random(0));

        NDArray flat = augmenter.apply(batch, new Draw(null, null, null, null, null, null, null, null,
                new float[] {0f, 1f}, null));
        NDArray grey = augmenter.apply(batch, new Draw(null, null, null, null, null, null, null, null, null,
                new float[] {0f, 1f}));

        NDArray luma = batch.get("0").mul(manager.create(new float[] {0.299f, 0.587f, 0.114f}).reshape(3, 1, 1))
                .sum(new int[] {0});
        float meanGrey = luma.mean().getFloat();
        for (float value : flat.get("0").toFloatArray()) {
            assertThat(value).isCloseTo(meanGrey, org.assertj.core.data.Offset.offset(1e-5f));
        }
        assertThat(flat.get("1").toFloatArray()).containsExactly(batch.get("1").toFloatArray());
        for (int channel = 0; channel < 3; channel++) {
            assertThat(grey.get("0," + channel).toFloatArray()).usingComparatorWithPrecision(1e-5f)
                    .containsExactly(luma.toFloatArray());
        }
        assertThat(grey.get("1").toFloatArray()).usingComparatorWithPrecision(1e-6f)
                .containsExactly(batch.get("1").toFloatArray());
    }

    @Test
    void grayscaleTurnsImagesGreyWithItsProbabilityAndNeedsColour() {
        BatchAugmenter always = new BatchAugmenter(new AugmentationSettings(0, false, 0, 0, 0, false, 0, 0, 0, 1),
                new Random(1));
        NDArray grey = always.apply(randomBatch(4, 3, 3, 3, 5));
        assertThat(grey.get(":,0").toFloatArray()).usingComparatorWithPrecision(1e-6f)
                .containsExactly(grey.get(":,2").toFloatArray());
        BatchAugmenter never = new BatchAugmenter(new AugmentationSettings(0, true, 0, 0, 0, false, 0, 0, 0, 1e-9),
                new Random(1));
        assertThat(never.draw(4).saturations()).containsOnly(1f);
        assertThatThrownBy(() -> always.apply(randomBatch(1, 1, 3, 3, 5))).hasMessageContaining("grayscale");
    }

    private static Draw zooms(double... scales) {
        return new Draw(null, null, null, null, null, null, null, scales, null, null);
    }

    private NDArray randomBatch(int n, int c, int h, int w, long seed) {
        Random random = new Random(seed);
        float[] values = new float[n * c * h * w];
        for (int i = 0; i < values.length; i++) {
            values[i] = random.nextFloat();
        }
        return manager.create(values, new Shape(n, c, h, w));
    }

    private static Draw rotations(double... degrees) {
        return new Draw(null, null, null, degrees, null, null, null, null, null, null);
    }

    private static Draw hueShifts(double... fractions) {
        return new Draw(null, null, null, null, null, fractions, null, null, null, null);
    }

    private static boolean contains(float[] values, float wanted) {
        for (float value : values) {
            if (value == wanted) {
                return true;
            }
        }
        return false;
    }
}
