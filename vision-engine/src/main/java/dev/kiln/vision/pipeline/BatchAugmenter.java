package dev.kiln.vision.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Objects;
import java.util.Random;

/**
 * Random training augmentation of a whole batch at once. The per-sample parameters are drawn in Java from
 * the given {@link Random} (a few numbers per sample); the pixel work is whole-batch NDArray operations on the
 * batch's device, never a Java loop over pixels. Steps, in this order, each as the torchvision transform
 * applied per image (see {@link AugmentationSettings}):
 * <ol>
 *   <li>{@code RandomCrop(H, padding=p)}: zero padding, then an H x W window at offsets drawn from [0, 2p];</li>
 *   <li>{@code RandomHorizontalFlip(0.5)};</li>
 *   <li>{@code RandomRotation(d)}: counter-clockwise about the centre, nearest neighbour, zero fill;</li>
 *   <li>{@code RandomVerticalFlip(0.5)}, with the horizontal one;</li>
 *   <li>{@code RandomAffine(0, scale=(1 - s, 1 + s))}: zoom about the centre, with the rotation;</li>
 *   <li>{@code ColorJitter(brightness=b)}: multiply, then clamp to [0, 1];</li>
 *   <li>{@code ColorJitter(contrast=c)}: blend with the image's mean grey, then clamp;</li>
 *   <li>{@code ColorJitter(saturation=s)} and {@code RandomGrayscale(p)} (saturation 0), RGB only: blend with
 *       each pixel's grey, then clamp;</li>
 *   <li>{@code ColorJitter(hue=h)}, RGB only, then clamp to [0, 1].</li>
 * </ol>
 * Crop, flips, rotation and zoom each map an output pixel to one input pixel or to zero fill, so they are composed
 * into one source index per output pixel and the batch is resampled with a single {@code gather}; the result
 * is the same as applying them one after another.
 *
 * <p>Where it differs from torchvision:
 * <ul>
 *   <li>Hue is the linear YIQ approximation of torchvision's HSV hue shift: a rotation of the chroma plane
 *       (I, Q) by the hue fraction of a full turn. Grey stays grey and a zero shift is the identity, as in HSV,
 *       but it keeps luma rather than HSV value and the primaries are not evenly spaced in (I, Q), so saturated
 *       colours come out different: red (0.8, 0.2, 0.2) shifted by 1/6 gives about (0.50, 0.46, 0) where HSV
 *       gives (0.8, 0.8, 0.2).</li>
 *   <li>{@code ColorJitter} applies its adjustments in a random order per image; here brightness always comes
 *       before hue.</li>
 *   <li>The rotation's source coordinates are computed in float32 in another order of operations than
 *       torchvision's {@code affine_grid}, so a pixel whose source lies exactly halfway between two pixels may
 *       round the other way.</li>
 *   <li>The random numbers come from {@code java.util.Random}, so a seed does not reproduce torchvision's
 *       draws, only this class's.</li>
 * </ul>
 *
 * <p>Not thread-safe: one instance per loader thread, each with its own {@code Random}. The same seed and the
 * same sequence of batch sizes give the same output.
 */
public final class BatchAugmenter {

    // NTSC RGB -> YIQ. The I and Q rows sum to 0, so grey (R = G = B) has no chroma to rotate.
    private static final double[][] RGB_TO_YIQ = {
            {0.299, 0.587, 0.114},
            {0.596, -0.274, -0.322},
            {0.211, -0.523, 0.312}};
    // Inverted here, not the rounded textbook inverse, so that a zero hue shift is the identity.
    private static final double[][] YIQ_TO_RGB = invert(RGB_TO_YIQ);

    private final AugmentationSettings settings;
    private final Random random;

    /**
     * @param settings what to apply
     * @param random   the source of every per-sample parameter; seed it for a reproducible run
     */
    public BatchAugmenter(AugmentationSettings settings, Random random) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.random = Objects.requireNonNull(random, "random");
    }

    /**
     * Augments one batch, each sample with its own random parameters.
     *
     * @param batch float32 N x C x H x W, values in [0, 1] (before normalisation); not modified
     * @return a new array of the same shape, attached to {@code batch}'s manager (the caller closes it); the
     *         intermediate arrays are freed before returning
     * @throws IllegalArgumentException if the batch is not float32 N x C x H x W, or hue is on and C is not 3
     */
    public NDArray apply(NDArray batch) {
        Shape shape = batch.getShape();
        if (shape.dimension() != 4 || batch.getDataType() != DataType.FLOAT32) {
            throw new IllegalArgumentException("augmentation needs a float32 N x C x H x W batch, not "
                    + batch.getDataType() + " " + shape);
        }
        if (settings.needsColour() && shape.get(1) != 3) {
            throw new IllegalArgumentException("hue jitter, saturation and grayscale need RGB images (3 channels),"
                    + " but the batch has " + shape.get(1) + " channel(s); set them to 0 for this data set");
        }
        return apply(batch, draw(Math.toIntExact(shape.get(0))));
    }

    /**
     * The parameters of one batch, one entry per sample; an array is null where its step is off.
     *
     * @param cropRows   RandomCrop's row offset into the padded image, in [0, 2p]
     * @param cropCols   RandomCrop's column offset into the padded image, in [0, 2p]
     * @param flips      whether to flip horizontally
     * @param angles     rotation angle in degrees, counter-clockwise
     * @param brightness brightness factor
     * @param hueShifts  hue shift as a fraction of the colour circle
     * @param vflips     whether to flip vertically
     * @param scales     zoom factor about the centre
     * @param contrasts  contrast factor
     * @param saturations saturation factor, 0 for the images turned grey
     */
    record Draw(int[] cropRows, int[] cropCols, boolean[] flips, double[] angles, float[] brightness,
            double[] hueShifts, boolean[] vflips, double[] scales, float[] contrasts, float[] saturations) {

        boolean isIdentity() {
            return cropRows == null && flips == null && angles == null && brightness == null && hueShifts == null
                    && vflips == null && scales == null && contrasts == null && saturations == null;
        }
    }

    /** Draws the parameters for a batch of {@code n}, step by step in a fixed order. */
    Draw draw(int n) {
        int[] cropRows = null;
        int[] cropCols = null;
        if (settings.cropPadding() > 0) {
            int offsets = 2 * settings.cropPadding() + 1;
            cropRows = new int[n];
            cropCols = new int[n];
            for (int i = 0; i < n; i++) {
                cropRows[i] = random.nextInt(offsets);
                cropCols[i] = random.nextInt(offsets);
            }
        }
        boolean[] flips = null;
        if (settings.horizontalFlip()) {
            flips = new boolean[n];
            for (int i = 0; i < n; i++) {
                flips[i] = random.nextBoolean();
            }
        }
        double degrees = settings.rotationDegrees();
        double[] angles = degrees > 0 ? uniform(n, -degrees, degrees) : null;
        float[] brightness = null;
        if (settings.brightness() > 0) {
            double[] factors = uniform(n, Math.max(0, 1 - settings.brightness()), 1 + settings.brightness());
            brightness = new float[n];
            for (int i = 0; i < n; i++) {
                brightness[i] = (float) factors[i];
            }
        }
        double[] hueShifts = settings.hue() > 0 ? uniform(n, -settings.hue(), settings.hue()) : null;
        // The later steps draw after the first five, so a seed gives the same batches as before they existed.
        boolean[] vflips = null;
        if (settings.verticalFlip()) {
            vflips = new boolean[n];
            for (int i = 0; i < n; i++) {
                vflips[i] = random.nextBoolean();
            }
        }
        double[] scales = settings.scale() > 0 ? uniform(n, 1 - settings.scale(), 1 + settings.scale()) : null;
        float[] contrasts = settings.contrast() > 0 ? factors(n, settings.contrast()) : null;
        float[] saturations = settings.saturation() > 0 ? factors(n, settings.saturation()) : null;
        if (settings.grayscale() > 0) {
            // A grey image is saturation 0: RandomGrayscale is a blend with factor 0, or 1 when not drawn.
            saturations = saturations != null ? saturations : factorsOfOne(n);
            for (int i = 0; i < n; i++) {
                saturations[i] = random.nextDouble() < settings.grayscale() ? 0f : saturations[i];
            }
        }
        return new Draw(cropRows, cropCols, flips, angles, brightness, hueShifts, vflips, scales, contrasts,
                saturations);
    }

    /** Factors uniform in [max(0, 1 - amount), 1 + amount], as ColorJitter draws them. */
    private float[] factors(int n, double amount) {
        double[] values = uniform(n, Math.max(0, 1 - amount), 1 + amount);
        float[] factors = new float[n];
        for (int i = 0; i < n; i++) {
            factors[i] = (float) values[i];
        }
        return factors;
    }

    private static float[] factorsOfOne(int n) {
        float[] ones = new float[n];
        java.util.Arrays.fill(ones, 1f);
        return ones;
    }

    /** Applies the given parameters; the batch has been checked by {@link #apply(NDArray)}. */
    NDArray apply(NDArray batch, Draw draw) {
        if (draw.isIdentity()) {
            return batch.duplicate();
        }
        NDManager owner = batch.getManager();
        Shape shape = batch.getShape();
        long n = shape.get(0);
        long c = shape.get(1);
        long h = shape.get(2);
        long w = shape.get(3);
        try (NDManager scope = owner.newSubManager()) {
            // A view of the input that the scope owns: DJL allocates an op's result on its first operand's
            // manager, so every array below lands in the scope and is freed with it. No step writes in place.
            NDArray x = batch.reshape(n, c, h * w);
            x.attach(scope);
            if (draw.cropRows() != null || draw.flips() != null || draw.angles() != null || draw.vflips() != null
                    || draw.scales() != null) {
                x = resample(scope, x, draw, h, w);
            }
            if (draw.brightness() != null) {
                x = x.mul(scope.create(draw.brightness()).reshape(n, 1, 1)).clip(0f, 1f);
            }
            if (draw.contrasts() != null) {
                // Towards (or away from) the image's mean grey: ColorJitter's contrast.
                NDArray mean = grey(scope, x).mean(new int[] {2}, true);
                x = blend(scope, x, mean, draw.contrasts(), n);
            }
            if (draw.saturations() != null) {
                // Towards (or away from) each pixel's grey: ColorJitter's saturation; 0 is RandomGrayscale.
                x = blend(scope, x, grey(scope, x), draw.saturations(), n);
            }
            if (draw.hueShifts() != null) {
                x = scope.create(hueMatrices(draw.hueShifts()), new Shape(n, 3, 3)).batchMatMul(x).clip(0f, 1f);
            }
            NDArray result = x.reshape(n, c, h, w);
            result.attach(owner);
            return result;
        }
    }

    /**
     * Crop, flip and rotation in one gather. Each maps an output pixel to the pixel it reads, so the maps are
     * followed from the output back to the input: rotation first, then flip, then crop. Without rotation the
     * source row depends only on the output row and the column only on the output column, so they stay
     * N x H x 1 and N x 1 x W until the final index.
     *
     * @param x the batch as N x C x (H * W)
     */
    private NDArray resample(NDManager scope, NDArray x, Draw draw, long h, long w) {
        long n = x.getShape().get(0);
        long c = x.getShape().get(1);
        NDArray row;
        NDArray col;
        NDArray inside = null; // null while every source pixel is inside the image
        if (draw.angles() == null && draw.scales() == null) {
            row = scope.arange(0, (int) h, 1, DataType.INT64).reshape(1, h, 1);
            col = scope.arange(0, (int) w, 1, DataType.INT64).reshape(1, 1, w);
        } else {
            // torchvision's inverse map about the centre ((W - 1) / 2, (H - 1) / 2), in float32; its nearest
            // grid_sample rounds half to even, as round() does. Zooming by s divides the source offsets by s.
            float[] cos = new float[(int) n];
            float[] sin = new float[(int) n];
            for (int i = 0; i < n; i++) {
                double radians = draw.angles() == null ? 0 : Math.toRadians(draw.angles()[i]);
                double scale = draw.scales() == null ? 1 : draw.scales()[i];
                cos[i] = (float) (Math.cos(radians) / scale);
                sin[i] = (float) (Math.sin(radians) / scale);
            }
            NDArray cosines = scope.create(cos).reshape(n, 1, 1);
            NDArray sines = scope.create(sin).reshape(n, 1, 1);
            float cx = (w - 1) / 2f;
            float cy = (h - 1) / 2f;
            NDArray u = scope.arange(0f, w).sub(cx).reshape(1, 1, w);
            NDArray v = scope.arange(0f, h).sub(cy).reshape(1, h, 1);
            col = cosines.mul(u).add(cx).sub(sines.mul(v)).round().toType(DataType.INT64, false);
            row = sines.mul(u).add(cy).add(cosines.mul(v)).round().toType(DataType.INT64, false);
            inside = inside(row, col, h, w);
        }
        if (draw.flips() != null) {
            col = flip(scope, col, draw.flips(), w);
        }
        if (draw.vflips() != null) {
            row = flip(scope, row, draw.vflips(), h);
        }
        if (draw.cropRows() != null) {
            // The window at (i, j) of the image padded by p reads input pixel (r + i - p, c + j - p).
            row = row.add(scope.create(shifts(draw.cropRows())).reshape(n, 1, 1));
            col = col.add(scope.create(shifts(draw.cropCols())).reshape(n, 1, 1));
            NDArray inPadded = inside(row, col, h, w);
            inside = inside == null ? inPadded : inside.logicalAnd(inPadded);
        }
        NDArray index = row.mul(w).add(col);
        if (inside != null) {
            // Any valid index will do for the zero-filled pixels; the where() below overwrites them.
            index = NDArrays.where(inside, index, scope.create(0L));
        }
        NDArray gathered = x.gather(index.reshape(n, 1, h * w).broadcast(n, c, h * w), 2);
        if (inside == null) {
            return gathered;
        }
        return NDArrays.where(inside.reshape(n, 1, h * w).broadcast(n, c, h * w), gathered, scope.create(0f));
    }

    /**
     * Coordinate k of a flipped sample reads size - 1 - k, of the others k: k * sign + offset per sample.
     *
     * @param coordinate rows or columns, broadcastable to N x H x W
     */
    private static NDArray flip(NDManager scope, NDArray coordinate, boolean[] flips, long size) {
        int n = flips.length;
        long[] signs = new long[n];
        long[] offsets = new long[n];
        for (int i = 0; i < n; i++) {
            signs[i] = flips[i] ? -1 : 1;
            offsets[i] = flips[i] ? size - 1 : 0;
        }
        return coordinate.mul(scope.create(signs).reshape(n, 1, 1)).add(scope.create(offsets).reshape(n, 1, 1));
    }

    /** Crop offsets into the padded image as shifts of the unpadded one. */
    private long[] shifts(int[] offsets) {
        long[] shifts = new long[offsets.length];
        for (int i = 0; i < offsets.length; i++) {
            shifts[i] = offsets[i] - settings.cropPadding();
        }
        return shifts;
    }

    /** Each pixel's grey, N x 1 x (H * W): ITU-R 601 luma for RGB, as torchvision's rgb_to_grayscale. */
    private static NDArray grey(NDManager scope, NDArray x) {
        if (x.getShape().get(1) == 1) {
            return x;
        }
        return x.mul(scope.create(new float[] {0.299f, 0.587f, 0.114f}).reshape(1, 3, 1)).sum(new int[] {1}, true);
    }

    /** f x + (1 - f) towards, per sample, clamped to [0, 1]: torchvision's _blend. */
    private static NDArray blend(NDManager scope, NDArray x, NDArray towards, float[] factors, long n) {
        NDArray f = scope.create(factors).reshape(n, 1, 1);
        return x.mul(f).add(towards.mul(f.neg().add(1f))).clip(0f, 1f);
    }

    private static NDArray inside(NDArray row, NDArray col, long h, long w) {
        return row.gte(0).logicalAnd(row.lt(h)).logicalAnd(col.gte(0)).logicalAnd(col.lt(w));
    }

    /** Per sample, the RGB matrix that rotates the chroma plane of YIQ by the hue shift, row-major N x 3 x 3. */
    private static float[] hueMatrices(double[] hueShifts) {
        float[] matrices = new float[hueShifts.length * 9];
        for (int i = 0; i < hueShifts.length; i++) {
            // Hue grows from red through yellow to green, which is clockwise in the (I, Q) plane.
            double angle = -2 * Math.PI * hueShifts[i];
            double cos = Math.cos(angle);
            double sin = Math.sin(angle);
            double[][] rotation = {{1, 0, 0}, {0, cos, -sin}, {0, sin, cos}};
            double[][] m = multiply(YIQ_TO_RGB, multiply(rotation, RGB_TO_YIQ));
            for (int r = 0; r < 3; r++) {
                for (int k = 0; k < 3; k++) {
                    matrices[i * 9 + r * 3 + k] = (float) m[r][k];
                }
            }
        }
        return matrices;
    }

    private double[] uniform(int n, double low, double high) {
        double[] values = new double[n];
        for (int i = 0; i < n; i++) {
            values[i] = low + (high - low) * random.nextDouble();
        }
        return values;
    }

    private static double[][] multiply(double[][] a, double[][] b) {
        double[][] product = new double[3][3];
        for (int r = 0; r < 3; r++) {
            for (int k = 0; k < 3; k++) {
                for (int j = 0; j < 3; j++) {
                    product[r][k] += a[r][j] * b[j][k];
                }
            }
        }
        return product;
    }

    /** The inverse of a 3 x 3 matrix by its adjugate; the cyclic indices carry the cofactor signs. */
    private static double[][] invert(double[][] m) {
        double[][] inverse = new double[3][3];
        for (int r = 0; r < 3; r++) {
            for (int k = 0; k < 3; k++) {
                int r1 = (k + 1) % 3;
                int r2 = (k + 2) % 3;
                int c1 = (r + 1) % 3;
                int c2 = (r + 2) % 3;
                inverse[r][k] = m[r1][c1] * m[r2][c2] - m[r1][c2] * m[r2][c1];
            }
        }
        double det = m[0][0] * inverse[0][0] + m[0][1] * inverse[1][0] + m[0][2] * inverse[2][0];
        for (double[] line : inverse) {
            for (int k = 0; k < 3; k++) {
                line[k] /= det;
            }
        }
        return inverse;
    }
}
