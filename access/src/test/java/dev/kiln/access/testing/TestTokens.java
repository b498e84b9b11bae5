package dev.kiln.access.testing;

import dev.kiln.access.AccessConfig;
import dev.kiln.access.ApiTokens;
import dev.kiln.contracts.access.Role;
import io.quarkus.arc.Arc;

/**
 * Real tokens for a service's {@code @QuarkusTest}s, issued through the running application into its
 * PostgreSQL; {@link AdminTokenCallback} gives every RestAssured request an admin token.
 */
public final class TestTokens {

    private TestTokens() {
    }

    /** A new token of that role in the default project. */
    public static String issue(Role role) {
        return issue(role, Arc.container().instance(AccessConfig.class).get().defaultProject());
    }

    /** A new token of that role in the project. */
    public static String issue(Role role, String project) {
        return Arc.container().instance(ApiTokens.class).get()
                .issue("test-" + role.label(), project, role, null, "test").token();
    }

    /** The {@code Authorization} header's value for the token. */
    public static String bearer(String token) {
        return "Bearer " + token;
    }

    /** An {@code Authorization} header's value with a new admin token, for clients other than RestAssured. */
    public static String adminBearer() {
        return bearer(issue(Role.ADMIN));
    }
}
