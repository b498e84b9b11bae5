package dev.kiln.contracts.predictions;

/**
 * A class a model ranked for an image, with its probability: an entry of a predict answer's {@code top} and of a
 * logged prediction's.
 *
 * @param classIndex the class's index among the model's classes
 */
public record RankedClass(String label, int classIndex, double probability) {
}
