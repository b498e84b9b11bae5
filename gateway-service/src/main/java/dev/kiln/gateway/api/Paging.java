package dev.kiln.gateway.api;

import dev.kiln.contracts.validation.FieldError;
import java.util.ArrayList;
import java.util.List;

/** The {@code offset} and {@code limit} of a list operation. */
public final class Paging {

    /** The most entries one page may hold. */
    public static final int MAX_LIMIT = 500;

    private Paging() {
    }

    /** What is wrong with the page asked for, naming {@code offset} and {@code limit}; empty when nothing is. */
    public static List<FieldError> problems(int offset, int limit) {
        List<FieldError> errors = new ArrayList<>(limitProblems(limit));
        if (offset < 0) {
            errors.add(new FieldError("offset", "must be 0 or more, got " + offset));
        }
        return errors;
    }

    /** What is wrong with the {@code limit} of a list that has no offset; empty when nothing is. */
    public static List<FieldError> limitProblems(int limit) {
        return limit < 1 || limit > MAX_LIMIT
                ? List.of(new FieldError("limit", "must be between 1 and " + MAX_LIMIT + ", got " + limit)) : List.of();
    }
}
