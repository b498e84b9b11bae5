package dev.kiln.vision.inspection;

/**
 * Where in an image a class's score comes from, as a map in [0, 1] at the network's input size.
 *
 * <ul>
 *   <li>{@link #GRADIENT}: vanilla gradient saliency (Simonyan et al., 2014): the absolute gradient of the class's
 *   logit with respect to each input pixel, its largest over the channels, divided by its largest over the image.
 *   <li>{@link #GRAD_CAM}: Grad-CAM (Selvaraju et al., 2017) at the output of the network's last convolutional
 *   block: its channels weighted by the mean gradient of the class's logit over each, summed, negatives cut to 0,
 *   divided by the largest, and resized (bilinear) to the input's size.
 * </ul>
 *
 * @param method        {@value #GRADIENT} or {@value #GRAD_CAM}
 * @param layer         for Grad-CAM, the last convolution of the block whose output it weighs; else null
 * @param classIndex    the class explained
 * @param predicted     the most probable class
 * @param probabilities softmax of the logits, one per class in the model's class order
 * @param values        {@code height * width} floats in [0, 1], row after row; all 0 when the map is
 */
public record SaliencyMap(String method, String layer, int classIndex, int predicted, float[] probabilities,
        int height, int width, float[] values) {

    public static final String GRADIENT = "vanilla-gradient";
    public static final String GRAD_CAM = "grad-cam";
}
