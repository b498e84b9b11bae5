package dev.kiln.vision.pipeline;

import dev.kiln.vision.datasets.ImageSet;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * A reproducible, stratified split: each class gives the same fraction of its images to the held-out
 * part, chosen by a seeded shuffle, so the same seed always holds out the same images.
 *
 * @param kept     the images left for training
 * @param heldOut  the held-out images (validation or test)
 * @param keptIndices for each kept image, in order, its index in the set that was split
 */
public record DataSplit(ImageSet kept, ImageSet heldOut, int[] keptIndices) {

    public static DataSplit of(ImageSet set, double heldOutFraction, long seed) {
        if (heldOutFraction < 0 || heldOutFraction >= 1) {
            throw new IllegalArgumentException("held-out fraction must be in [0, 1), got " + heldOutFraction);
        }
        List<List<Integer>> byClass = new ArrayList<>();
        for (int c = 0; c < set.classes().size(); c++) {
            byClass.add(new ArrayList<>());
        }
        for (int i = 0; i < set.size(); i++) {
            byClass.get(set.labels()[i]).add(i);
        }
        Random random = new Random(seed);
        List<Integer> kept = new ArrayList<>();
        List<Integer> heldOut = new ArrayList<>();
        for (List<Integer> indices : byClass) {
            Collections.shuffle(indices, random);
            int cut = (int) Math.round(indices.size() * heldOutFraction);
            heldOut.addAll(indices.subList(0, cut));
            kept.addAll(indices.subList(cut, indices.size()));
        }
        // Original order within each part: the split changes membership, never the data's order.
        Collections.sort(kept);
        Collections.sort(heldOut);
        int[] keptIndices = toArray(kept);
        return new DataSplit(set.subset(keptIndices), set.subset(toArray(heldOut)), keptIndices);
    }

    private static int[] toArray(List<Integer> list) {
        return list.stream().mapToInt(Integer::intValue).toArray();
    }
}
