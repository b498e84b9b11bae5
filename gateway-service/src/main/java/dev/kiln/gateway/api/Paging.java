package dev.kiln.gateway.api;

import dev.kiln.contracts.validation.FieldError;
import java.util.List;

/**
 * The {@code offset} and {@code limit} of a list operation, read from the query as text: a number Quarkus failed to
 * convert would answer 404 (as Jakarta REST has it for query parameters), not a 400 naming the parameter.
 */
public final class Paging {

    /** The most entries one page may hold. */
    public static final int MAX_LIMIT = 500;

    /** A page of a list: the entries from {@code offset}, at most {@code limit} of them. */
    public record Page(int offset, int limit) {
    }

    private Paging() {
    }

    /**
     * The page the query asks for: from 0 and {@code defaultLimit} entries where absent; problems go to {@code errors},
     * naming {@code offset} and {@code limit}.
     */
    public static Page page(String offset, String limit, int defaultLimit, List<FieldError> errors) {
        Integer from = whole("offset", offset, 0, " (0 or more)", errors);
        if (from != null && from < 0) {
            errors.add(new FieldError("offset", "must be 0 or more, got " + from));
        }
        return new Page(from == null ? 0 : from, limit(limit, defaultLimit, errors));
    }

    /** The {@code limit} of a list that has no offset, as {@link #page} reads it. */
    public static int limit(String limit, int defaultLimit, List<FieldError> errors) {
        Integer size = whole("limit", limit, defaultLimit, " between 1 and " + MAX_LIMIT, errors);
        if (size != null) {
            errors.addAll(limitProblems(size));
        }
        return size == null ? defaultLimit : size;
    }

    /** What is wrong with a {@code limit}; empty when nothing is. */
    public static List<FieldError> limitProblems(int limit) {
        return limit < 1 || limit > MAX_LIMIT
                ? List.of(new FieldError("limit", "must be between 1 and " + MAX_LIMIT + ", got " + limit)) : List.of();
    }

    /** The parameter's whole number, {@code absent} when not given, or null with the problem (and its range) added. */
    private static Integer whole(String field, String value, int absent, String range, List<FieldError> errors) {
        if (value == null) {
            return absent;
        }
        try {
            return Integer.valueOf(value.strip());
        } catch (NumberFormatException e) {
            errors.add(new FieldError(field, "must be a whole number" + range));
            return null;
        }
    }
}
