package dev.kiln.vision.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kiln.vision.datasets.ImageSet;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DataSplitTest {

    /** 19 one-pixel images whose pixel is their index; classes 0, 1, 2 have 10, 6 and 3 images, interleaved. */
    private static final int[] LABELS = {0, 1, 0, 2, 0, 1, 0, 0, 1, 2, 0, 1, 0, 0, 1, 2, 0, 1, 0};

    private static ImageSet nineteen() {
        byte[] pixels = new byte[LABELS.length];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (byte) i;
        }
        return new ImageSet(List.of("a", "b", "c"), 1, 1, 1, pixels, LABELS);
    }

    /** The original index of each image, read back from its pixel. */
    private static List<Integer> ids(ImageSet set) {
        List<Integer> ids = new ArrayList<>();
        for (byte pixel : set.pixels()) {
            ids.add((int) pixel);
        }
        return ids;
    }

    private static int[] perClass(ImageSet set) {
        int[] counts = new int[set.classes().size()];
        for (int label : set.labels()) {
            counts[label]++;
        }
        return counts;
    }

    @Test
    void eachClassGivesItsRoundedShare() {
        DataSplit split = DataSplit.of(nineteen(), 0.3, 1);

        // round(10 * 0.3) = 3, round(6 * 0.3) = 2, round(3 * 0.3) = 1
        assertThat(perClass(split.heldOut())).containsExactly(3, 2, 1);
        assertThat(perClass(split.kept())).containsExactly(7, 4, 2);
    }

    @Test
    void thePartsAreDisjointCompleteAndKeepLabelsWithTheirImages() {
        DataSplit split = DataSplit.of(nineteen(), 0.3, 1);

        List<Integer> all = new ArrayList<>(ids(split.kept()));
        all.addAll(ids(split.heldOut()));
        assertThat(all).doesNotHaveDuplicates().hasSize(LABELS.length);
        for (ImageSet part : List.of(split.kept(), split.heldOut())) {
            List<Integer> ids = ids(part);
            for (int i = 0; i < ids.size(); i++) {
                assertThat(part.labels()[i]).isEqualTo(LABELS[ids.get(i)]);
            }
            // Membership changes, the order does not.
            assertThat(ids).isSorted();
        }
    }

    @Test
    void theSameSeedHoldsOutTheSameImagesAndAnotherSeedOthers() {
        List<Integer> first = ids(DataSplit.of(nineteen(), 0.3, 1).heldOut());

        assertThat(ids(DataSplit.of(nineteen(), 0.3, 1).heldOut())).isEqualTo(first);
        assertThat(ids(DataSplit.of(nineteen(), 0.3, 2).heldOut())).isNotEqualTo(first);
    }

    @Test
    void aZeroFractionHoldsOutNothing() {
        DataSplit split = DataSplit.of(nineteen(), 0, 1);

        assertThat(split.heldOut().size()).isZero();
        assertThat(ids(split.kept())).hasSize(LABELS.length).isSorted();
    }

    @Test
    void fractionsOutsideZeroToOneAreRefused() {
        assertThatThrownBy(() -> DataSplit.of(nineteen(), 1, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DataSplit.of(nineteen(), -0.1, 1)).isInstanceOf(IllegalArgumentException.class);
    }
}
