package dev.kiln.vision.pipeline;

import dev.kiln.contracts.runs.AugmentationSpec;

/**
 * The training-time augmentation {@link BatchAugmenter} applies, each step named after the torchvision
 * transform it follows. Every "off" value (0 or {@code false}) makes its step a no-op; {@link #NONE} turns all
 * of them off.
 *
 * @param cropPadding     {@code RandomCrop(size, padding=cropPadding)}: zero padding in pixels on each side,
 *                        then a random window of the original size; 0 = off
 * @param horizontalFlip  {@code RandomHorizontalFlip(p=0.5)}
 * @param rotationDegrees {@code RandomRotation(rotationDegrees)}: an angle uniform in [-d, d] degrees, at most
 *                        180; 0 = off
 * @param brightness      {@code ColorJitter(brightness=b)}: a factor uniform in [max(0, 1 - b), 1 + b]; 0 = off
 * @param hue             {@code ColorJitter(hue=h)}, h in [0, 0.5]: a hue shift uniform in [-h, h] of the colour
 *                        circle; RGB images only; 0 = off
 * @param verticalFlip    {@code RandomVerticalFlip(p=0.5)}
 * @param scale           {@code RandomAffine(0, scale=(1 - s, 1 + s))}, s in [0, 0.9]: a zoom factor uniform in
 *                        [1 - s, 1 + s] about the centre, composed with the rotation; 0 = off
 * @param contrast        {@code ColorJitter(contrast=c)}: blend with the image's mean grey by a factor uniform in
 *                        [max(0, 1 - c), 1 + c]; 0 = off
 * @param saturation      {@code ColorJitter(saturation=s)}: blend with each pixel's grey by a factor uniform in
 *                        [max(0, 1 - s), 1 + s]; RGB only; 0 = off
 * @param grayscale       {@code RandomGrayscale(p)}: the probability an image turns grey (kept 3 channels); RGB
 *                        only; 0 = off
 */
public record AugmentationSettings(int cropPadding, boolean horizontalFlip, double rotationDegrees,
        double brightness, double hue, boolean verticalFlip, double scale, double contrast, double saturation,
        double grayscale) {

    /** No augmentation at all. */
    public static final AugmentationSettings NONE = new AugmentationSettings(0, false, 0, 0, 0, false, 0, 0, 0, 0);

    /** The torchvision-era steps only, the rest off: what most tests and the tutorials' recipes use. */
    public AugmentationSettings(int cropPadding, boolean horizontalFlip, double rotationDegrees, double brightness,
            double hue) {
        this(cropPadding, horizontalFlip, rotationDegrees, brightness, hue, false, 0, 0, 0, 0);
    }

    /** A spec's augmentation, its defaults filled in. */
    public static AugmentationSettings of(AugmentationSpec spec) {
        AugmentationSpec aug = spec.withDefaults();
        return new AugmentationSettings(aug.cropPadding(), aug.horizontalFlip(), aug.rotationDegrees(),
                aug.brightness(), aug.hue(), aug.verticalFlip(), aug.scale(), aug.contrast(), aug.saturation(),
                aug.grayscale());
    }

    public AugmentationSettings {
        if (cropPadding < 0) {
            throw new IllegalArgumentException("crop padding must be 0 or more, not " + cropPadding);
        }
        // Written as !(in range) so that NaN fails too.
        if (!(rotationDegrees >= 0 && rotationDegrees <= 180)) {
            throw new IllegalArgumentException("rotation degrees must be in [0, 180], not " + rotationDegrees);
        }
        if (!(brightness >= 0 && Double.isFinite(brightness))) {
            throw new IllegalArgumentException("brightness must be finite and 0 or more, not " + brightness);
        }
        if (!(hue >= 0 && hue <= 0.5)) {
            throw new IllegalArgumentException("hue must be in [0, 0.5] (half the colour circle), not " + hue);
        }
        if (!(scale >= 0 && scale <= 0.9)) {
            throw new IllegalArgumentException("scale must be in [0, 0.9], not " + scale);
        }
        if (!(contrast >= 0 && contrast <= 1) || !(saturation >= 0 && saturation <= 1)) {
            throw new IllegalArgumentException("contrast and saturation must be in [0, 1], not " + contrast + " and "
                    + saturation);
        }
        if (!(grayscale >= 0 && grayscale <= 1)) {
            throw new IllegalArgumentException("grayscale is a probability in [0, 1], not " + grayscale);
        }
    }

    /** Whether any step is on. */
    public boolean enabled() {
        return cropPadding > 0 || horizontalFlip || rotationDegrees > 0 || brightness > 0 || hue > 0 || verticalFlip
                || scale > 0 || contrast > 0 || saturation > 0 || grayscale > 0;
    }

    /** Whether a step needs three channels. */
    boolean needsColour() {
        return hue > 0 || saturation > 0 || grayscale > 0;
    }
}
