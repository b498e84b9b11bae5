package dev.kiln.inference.serving;

/** A version that could not be fetched, verified, built or warmed up; the message names the failed check. */
public class ModelLoadException extends Exception {

    public ModelLoadException(String message) {
        super(message);
    }

    public ModelLoadException(String message, Throwable cause) {
        super(message, cause);
    }
}
