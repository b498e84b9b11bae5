package dev.kiln.store.evaluation;

/**
 * A misclassified test image as stored, without the image itself.
 *
 * @param testIndex     the image's position in the run's test set
 * @param truth         its label
 * @param prediction    the label the model gave it (never {@code truth})
 * @param probabilities the softmax over every class, in class order
 */
public record Misclassification(int testIndex, int truth, int prediction, float[] probabilities) {

    /** The probability the model gave its wrong answer. */
    public float probability() {
        return probabilities[prediction];
    }
}
