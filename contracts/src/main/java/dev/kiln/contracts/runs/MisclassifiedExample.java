package dev.kiln.contracts.runs;

import java.util.ArrayList;
import java.util.List;

/**
 * A test image a run's result got wrong, as {@code GET /api/v1/runs/{id}/misclassified} serves it: one cell of the
 * grid "truth | prediction, probability". The trainer records each true class's most confident mistakes when it
 * evaluates the result on the test set.
 *
 * @param index         the image's position in the run's test set
 * @param truth         the class it belongs to
 * @param prediction    the class the model named (never {@code truth})
 * @param probability   the model's probability for {@code prediction}, the largest of {@code probabilities}
 * @param probabilities the softmax over every class, in the order of the run's {@code result.classes}
 * @param image         the URL of the image as a PNG
 */
public record MisclassifiedExample(int index, String truth, String prediction, double probability,
        List<Double> probabilities, String image) {

    /** Decimal places served: a float softmax holds about 7 significant digits, and a grid shows 2 or 3. */
    public static final int DECIMALS = 6;

    /**
     * An example from its stored form: labels named by {@code classes} (a label past them is named by its number),
     * probabilities rounded to {@link #DECIMALS} places. Rounding keeps order, so the prediction stays the largest.
     */
    public static MisclassifiedExample of(int index, int truth, int prediction, float[] probabilities,
            List<String> classes, String image) {
        List<Double> rounded = new ArrayList<>(probabilities.length);
        for (float p : probabilities) {
            rounded.add(round(p));
        }
        return new MisclassifiedExample(index, name(classes, truth), name(classes, prediction),
                round(probabilities[prediction]), List.copyOf(rounded), image);
    }

    private static double round(float probability) {
        double scale = Math.pow(10, DECIMALS);
        return Math.round(probability * scale) / scale;
    }

    private static String name(List<String> classes, int label) {
        return classes != null && label < classes.size() ? classes.get(label) : Integer.toString(label);
    }
}
