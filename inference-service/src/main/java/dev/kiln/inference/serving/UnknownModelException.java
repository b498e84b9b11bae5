package dev.kiln.inference.serving;

/** The registry has no such model, version or champion: answered with 404. */
public class UnknownModelException extends RuntimeException {

    public UnknownModelException(String message) {
        super(message);
    }
}
