package dev.kiln.inference.serving;

/** The registry has no such model, version or champion: answered with 404. */
public class UnknownModelException extends RuntimeException {

    public UnknownModelException(String message) {
        super(message);
    }

    /** A version the registry does not have, said of the model when it has no such model at all. */
    public static UnknownModelException version(boolean modelKnown, String model, int version) {
        return new UnknownModelException(modelKnown ? "model '" + model + "' has no version " + version
                : "no registered model is named '" + model + "'");
    }
}
