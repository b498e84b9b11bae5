package dev.kiln.inference.serving;

/** The registry knows the version but this replica cannot serve it (yet, or it failed to load): 503. */
public class ModelUnavailableException extends RuntimeException {

    public ModelUnavailableException(String message) {
        super(message);
    }
}
