package dev.kiln.store.runs;

/**
 * Whom a run belongs to: its project (only that project's callers see it) and the caller that submitted it.
 *
 * @param submittedBy the caller's name ({@code token:<id>}, {@code oidc:<user>}), or null when no caller did
 *                    (a study's trial, a run stored by a test)
 */
public record Owner(String project, String submittedBy) {

    /** The project of rows from before projects, of the local stack and of a single team. */
    public static final String DEFAULT_PROJECT = "default";

    /** The default project, submitted by no caller. */
    public static final Owner DEFAULT = new Owner(DEFAULT_PROJECT, null);
}
