package dev.kiln.gateway.access;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.kiln.store.access.ApiTokenRepository.StoredToken;
import java.time.Instant;

/**
 * A Kiln API token as the API shows it: never its secret, except {@code token} in the answer to its creation
 * (the only time it is shown).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TokenView(String id, String name, String project, String role, String createdBy, Instant createdAt,
        Instant expiresAt, Instant revokedAt, Instant lastUsedAt, String token) {

    static TokenView of(StoredToken stored) {
        return issued(stored, null);
    }

    static TokenView issued(StoredToken stored, String token) {
        return new TokenView(stored.id(), stored.name(), stored.project(), stored.role().label(), stored.createdBy(),
                stored.createdAt(), stored.expiresAt(), stored.revokedAt(), stored.lastUsedAt(), token);
    }
}
