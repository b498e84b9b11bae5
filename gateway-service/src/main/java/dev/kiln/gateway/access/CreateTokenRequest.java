package dev.kiln.gateway.access;

import dev.kiln.contracts.access.Role;
import dev.kiln.contracts.validation.FieldError;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * {@code POST /api/v1/tokens}: a name (1 to 100 letters, digits, spaces, '.', '_' or '-'), a role, and how many
 * days the token lives (1 to 3650, 90 when absent).
 */
public record CreateTokenRequest(String name, String role, Integer expiresInDays) {

    static final int DEFAULT_DAYS = 90;
    private static final int MAX_DAYS = 3650;
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9 ._-]{1,100}");

    /** What is wrong with the request; empty when nothing is. */
    List<FieldError> problems() {
        List<FieldError> problems = new ArrayList<>();
        if (name == null || !NAME.matcher(name).matches()) {
            problems.add(new FieldError("name", "must be 1 to 100 letters, digits, spaces, '.', '_' or '-'"));
        }
        if (Role.ofLabel(role) == null) {
            problems.add(new FieldError("role", "must be one of viewer, member, maintainer, admin"));
        }
        if (expiresInDays != null && (expiresInDays < 1 || expiresInDays > MAX_DAYS)) {
            problems.add(new FieldError("expiresInDays", "must be between 1 and " + MAX_DAYS));
        }
        return problems;
    }

    int days() {
        return expiresInDays == null ? DEFAULT_DAYS : expiresInDays;
    }
}
