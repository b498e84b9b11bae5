package dev.kiln.vision.evaluation;

import ai.djl.ndarray.NDArray;
import dev.kiln.vision.datasets.ImageSet;
import dev.kiln.vision.serving.PngImages;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;

/**
 * The most confident mistakes of an evaluation, per true class: the tutorial's grid of misclassified test images
 * (truth | prediction, probability). {@link Evaluator} hands it every batch's logits in the set's order (evaluation
 * never shuffles), so a row's position is its index in the set.
 *
 * <p>Cheap by construction: a batch without a mistake costs nothing beyond the predictions the evaluation makes
 * anyway; otherwise one softmax over the batch on the device, one copy of the winners' confidences, and the whole
 * probability matrix only when a mistake enters a class's heap. Each heap holds at most {@code perClass}
 * candidates, and only the kept ones are encoded as PNG, once, in {@link #examples()}.
 */
public final class MisclassifiedCollector implements Evaluator.Predictions {

    /** Examples kept per true class: one row of the grid. */
    public static final int PER_CLASS = 8;

    /**
     * The head of a class's heap is the candidate a more confident mistake evicts: the least confident, and among
     * equals the later image (an earlier one stays, so the result does not depend on the batch size).
     */
    private static final Comparator<Candidate> EVICTION_ORDER = Comparator.comparingDouble(Candidate::probability)
            .thenComparing(Comparator.comparingInt(Candidate::index).reversed());

    private final ImageSet set;
    private final int perClass;
    private final List<PriorityQueue<Candidate>> worst = new ArrayList<>();
    private int seen;

    private record Candidate(int index, int truth, int prediction, float probability, float[] probabilities) {
    }

    /**
     * @param set      the set being evaluated, in the order the evaluation reads it: the images come from it
     * @param perClass how many mistakes to keep per true class, the most confident ones
     */
    public MisclassifiedCollector(ImageSet set, int perClass) {
        if (perClass < 0) {
            throw new IllegalArgumentException("perClass must be at least 0, not " + perClass);
        }
        this.set = set;
        this.perClass = perClass;
        for (int c = 0; c < set.classes().size(); c++) {
            worst.add(new PriorityQueue<>(EVICTION_ORDER));
        }
    }

    /** The collector's images per pass, which the evaluated data must have. */
    int setSize() {
        return set.size();
    }

    @Override
    public void add(NDArray logits, long[] truths, long[] predictions) {
        int first = seen;
        seen += truths.length;
        if (perClass == 0 || Arrays.equals(truths, predictions)) {
            return;
        }
        NDArray probabilities = logits.softmax(1);
        // The predicted class is the row's argmax, so its probability is the row's largest.
        float[] confidence = probabilities.max(new int[] {1}).toFloatArray();
        int classes = (int) logits.getShape().get(1);
        float[] all = null;
        for (int row = 0; row < truths.length; row++) {
            int truth = (int) truths[row];
            if (truth == predictions[row]) {
                continue;
            }
            PriorityQueue<Candidate> heap = worst.get(truth);
            // Strictly more confident: among equals the earlier image, already kept, stays.
            if (heap.size() == perClass && confidence[row] <= heap.peek().probability()) {
                continue;
            }
            if (all == null) {
                all = probabilities.toFloatArray();
            }
            heap.add(new Candidate(first + row, truth, (int) predictions[row], confidence[row],
                    Arrays.copyOfRange(all, row * classes, (row + 1) * classes)));
            if (heap.size() > perClass) {
                heap.poll();
            }
        }
    }

    /**
     * The kept mistakes with their images: by true class, then the most confident first (the earlier image first
     * among equals). Empty before any batch.
     */
    public List<MisclassifiedImage> examples() {
        if (seen != 0 && seen != set.size()) {
            throw new IllegalStateException("the evaluation stopped after " + seen + " of " + set.size() + " images");
        }
        List<MisclassifiedImage> examples = new ArrayList<>();
        for (PriorityQueue<Candidate> heap : worst) {
            heap.stream().sorted(EVICTION_ORDER.reversed())
                    .map(c -> new MisclassifiedImage(c.index(), c.truth(), c.prediction(), c.probabilities(),
                            PngImages.encode(set, c.index())))
                    .forEach(examples::add);
        }
        return List.copyOf(examples);
    }
}
