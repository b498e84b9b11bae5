package dev.kiln.inference.serving;

/** The registry has no such model, version or champion: answered with 404. */
public class UnknownModelException extends RuntimeException {

    public UnknownModelException(String message) {
        super(message);
    }

    /** A model the registry does not have, or another project's: the caller cannot tell the two apart. */
    public static UnknownModelException model(String model) {
        return new UnknownModelException("no registered model is named '" + model + "'");
    }

    /** A version the caller's model does not have. */
    public static UnknownModelException version(String model, int version) {
        return new UnknownModelException("model '" + model + "' has no version " + version);
    }
}
