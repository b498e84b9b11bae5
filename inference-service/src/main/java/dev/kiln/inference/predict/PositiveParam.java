package dev.kiln.inference.predict;

import dev.kiln.inference.api.InvalidInputException;

/**
 * A positive whole number in a URL (a path's {@code {version}}, the {@code topK} query parameter), or a 400 naming it.
 * Taken as text: a failed conversion of a path or query parameter answers 404 in Jakarta REST, which would say the
 * model is unknown.
 */
public final class PositiveParam {

    private PositiveParam() {
    }

    public static int parse(String field, String value) {
        try {
            int parsed = Integer.parseInt(value);
            if (parsed >= 1) {
                return parsed;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw new InvalidInputException(field, "must be a positive integer, got '" + value + "'");
    }
}
