package dev.kiln.vision.datasets;

/**
 * An expected failure: the message is one line that tells the user what to do. Public because the
 * {@link ImageSets} readers throw it to callers outside this package.
 */
public final class DatasetException extends Exception {

    DatasetException(String message) {
        super(message);
    }
}
