package dev.kiln.contracts.validation;

/** One problem with a request, naming the field as a JSON path (e.g. {@code spec.learningRate}). */
public record FieldError(String field, String message) {

    @Override
    public String toString() {
        return field + ": " + message;
    }
}
