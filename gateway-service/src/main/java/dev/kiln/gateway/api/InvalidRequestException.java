package dev.kiln.gateway.api;

import dev.kiln.contracts.validation.FieldError;
import java.util.List;

/** A request that was read but is not acceptable; answered with 400 and every problem listed. */
public class InvalidRequestException extends RuntimeException {

    private final List<FieldError> violations;

    public InvalidRequestException(List<FieldError> violations) {
        super(violations.toString());
        this.violations = List.copyOf(violations);
    }

    public List<FieldError> violations() {
        return violations;
    }
}
