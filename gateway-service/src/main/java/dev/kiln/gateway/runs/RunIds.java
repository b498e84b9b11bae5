package dev.kiln.gateway.runs;

import dev.kiln.contracts.validation.FieldError;
import dev.kiln.gateway.api.InvalidRequestException;
import dev.kiln.gateway.api.NotFoundProblem;
import java.util.List;
import java.util.UUID;

/** Run ids in request paths: the 400 for one that is not a UUID and the 404 for one that is not stored. */
public final class RunIds {

    private RunIds() {
    }

    /** The id named by a path, or an {@link InvalidRequestException} on field {@code id}. */
    public static UUID parse(String id) {
        return parse(id, "run");
    }

    /**
     * The id of a thing ({@code run}, {@code study}) named by a path, or an {@link InvalidRequestException}
     * on field {@code id}.
     */
    public static UUID parse(String id, String thing) {
        try {
            return UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException(List.of(new FieldError("id", "not a " + thing + " id (UUID): " + id)));
        }
    }

    /** The problem to throw for a well-formed id the store does not know. */
    public static NotFoundProblem unknown(UUID id) {
        return new NotFoundProblem("No run with id " + id);
    }
}
