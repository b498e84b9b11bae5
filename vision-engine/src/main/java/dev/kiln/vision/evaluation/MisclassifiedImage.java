package dev.kiln.vision.evaluation;

/**
 * A test image the model got wrong, as the evaluation recorded it: what users look at to see why.
 *
 * @param index         the image's position in the evaluated set
 * @param truth         its label
 * @param prediction    the class the model named instead (never {@code truth})
 * @param probabilities the softmax over every class, in class order; {@code probabilities[prediction]} is the
 *                      largest
 * @param png           the image as the model saw it (after any resizing of the set), lossless
 */
public record MisclassifiedImage(int index, int truth, int prediction, float[] probabilities, byte[] png) {

    /** How sure the model was of its wrong answer. */
    public float probability() {
        return probabilities[prediction];
    }
}
