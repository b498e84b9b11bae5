package dev.kiln.gateway.api;

import dev.kiln.contracts.validation.FieldError;
import java.util.List;

/**
 * The {@code {version}} of a path, taken as text: a failed conversion of a path parameter would answer 404, as if
 * what it names were unknown, rather than a 400 naming it.
 */
public final class VersionParam {

    private VersionParam() {
    }

    /** The version number, or a 400 naming {@code version}. */
    public static int parse(String version) {
        try {
            return Integer.parseInt(version.strip());
        } catch (NumberFormatException e) {
            throw new InvalidRequestException(List.of(new FieldError("version", "must be a version number, got '"
                    + version + "'")));
        }
    }
}
