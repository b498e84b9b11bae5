package dev.kiln.contracts.validation;

import java.util.List;
import java.util.regex.Pattern;

/** Names clients give things (experiments, registered models): 1 to 100 letters, digits, '.', '_' or '-'. */
public final class Names {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,100}");

    private Names() {
    }

    /** Adds a problem on {@code field} to {@code errors} unless {@code name} is absent (null) or a valid name. */
    public static void check(String field, String name, List<FieldError> errors) {
        if (name != null && !NAME.matcher(name).matches()) {
            errors.add(new FieldError(field, "must be 1 to 100 letters, digits, '.', '_' or '-', got '" + name + "'"));
        }
    }
}
