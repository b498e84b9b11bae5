package dev.kiln.inference.api;

/** A request the service cannot use (not an image, a wrong tensor shape...): 400 naming the field. */
public class InvalidInputException extends RuntimeException {

    private final String field;

    public InvalidInputException(String field, String message) {
        super(message);
        this.field = field;
    }

    public String field() {
        return field;
    }
}
