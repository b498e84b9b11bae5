package dev.kiln.gateway.models;

import dev.kiln.contracts.validation.FieldError;
import java.util.List;

/**
 * The body of {@code PUT /api/v1/models/{name}/access}.
 *
 * @param publicPrediction whether anyone may use the model's predictions, without a token; required
 */
public record ModelAccess(Boolean publicPrediction) {

    /** Every problem of this request, naming its fields. */
    List<FieldError> validate() {
        return publicPrediction == null ? List.of(new FieldError("publicPrediction", "is required: true or false"))
                : List.of();
    }
}
