package dev.kiln.vision.pipeline;

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
 */
public record AugmentationSettings(int cropPadding, boolean horizontalFlip, double rotationDegrees,
        double brightness, double hue) {

    /** No augmentation at all. */
    public static final AugmentationSettings NONE = new AugmentationSettings(0, false, 0, 0, 0);

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
    }

    /** Whether any step is on. */
    public boolean enabled() {
        return cropPadding > 0 || horizontalFlip || rotationDegrees > 0 || brightness > 0 || hue > 0;
    }
}
