package dev.kiln.vision.training;

/** The loss became NaN or infinite: the run ends as failed with this message, not as a crash. */
final class DivergenceException extends Exception {

    DivergenceException(String message) {
        super(message);
    }
}
