package dev.kiln.contracts.runs;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * Train-only augmentation, applied per batch; evaluation data is never augmented. Absent fields are off.
 *
 * @param cropPadding     random crop of the original size after zero padding by this many pixels per side
 * @param horizontalFlip  mirror half of the images
 * @param rotationDegrees rotate by a uniform random angle in [-d, d]
 * @param brightness      scale brightness by a uniform factor in [1-b, 1+b]
 * @param hue             shift hue by a uniform fraction in [-h, h] of the colour circle (colour images only)
 * @param verticalFlip    turn half of the images upside down
 * @param scale           zoom about the centre by a uniform factor in [1-s, 1+s] (in: the edges are cut off;
 *                        out: zero fill), with the rotation
 * @param contrast        blend with the image's mean grey by a uniform factor in [1-c, 1+c]
 * @param saturation      blend with each pixel's grey by a uniform factor in [1-s, 1+s] (colour images only)
 * @param grayscale       the probability of turning an image grey (colour images only)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AugmentationSpec(Integer cropPadding, Boolean horizontalFlip, Double rotationDegrees,
        Double brightness, Double hue, Boolean verticalFlip, Double scale, Double contrast, Double saturation,
        Double grayscale) {

    public static final AugmentationSpec NONE = new AugmentationSpec(0, false, 0.0, 0.0, 0.0, false, 0.0, 0.0, 0.0,
            0.0);

    public AugmentationSpec withDefaults() {
        return new AugmentationSpec(cropPadding == null ? 0 : cropPadding,
                horizontalFlip != null && horizontalFlip,
                rotationDegrees == null ? 0.0 : rotationDegrees,
                brightness == null ? 0.0 : brightness,
                hue == null ? 0.0 : hue,
                verticalFlip != null && verticalFlip,
                scale == null ? 0.0 : scale,
                contrast == null ? 0.0 : contrast,
                saturation == null ? 0.0 : saturation,
                grayscale == null ? 0.0 : grayscale);
    }
}
