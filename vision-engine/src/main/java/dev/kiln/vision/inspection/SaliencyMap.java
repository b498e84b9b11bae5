package dev.kiln.vision.inspection;

/**
 * Vanilla gradient saliency (Simonyan et al., 2014): how much each input pixel moves one class's score, the
 * absolute gradient of the class's logit with respect to the input, its largest over the channels, divided by its
 * largest over the image.
 *
 * @param classIndex    the class explained
 * @param predicted     the most probable class
 * @param probabilities softmax of the logits, one per class in the model's class order
 * @param values        {@code height * width} floats in [0, 1], row after row; all 0 when the gradient is
 */
public record SaliencyMap(int classIndex, int predicted, float[] probabilities, int height, int width,
        float[] values) {
}
