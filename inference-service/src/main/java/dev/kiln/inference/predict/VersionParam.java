package dev.kiln.inference.predict;

import dev.kiln.inference.api.InvalidInputException;

/** The {@code {version}} of a URL: a positive integer, or a 400 naming it. */
public final class VersionParam {

    private VersionParam() {
    }

    public static int parse(String version) {
        try {
            int parsed = Integer.parseInt(version);
            if (parsed >= 1) {
                return parsed;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw new InvalidInputException("version", "must be a positive integer, got '" + version + "'");
    }
}
