package dev.kiln.vision.datasets;

/** An expected failure: the message is one line that tells the user what to do. */
final class DatasetException extends Exception {

    DatasetException(String message) {
        super(message);
    }
}
