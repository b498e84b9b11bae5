package dev.kiln.store.access;

import static dev.kiln.store.NativeRows.instant;

import dev.kiln.contracts.access.Role;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import java.time.Instant;
import java.util.Collection;
import java.util.List;

/** Kiln API tokens ({@code api_tokens}): their digests, scope and lifetime. Callers own the transaction. */
@ApplicationScoped
public class ApiTokenRepository {

    /** A token as stored: everything but the secret, of which only the digest is kept. */
    public record StoredToken(String id, String name, String project, Role role, String secretSha256,
            String createdBy, Instant createdAt, Instant expiresAt, Instant revokedAt, Instant lastUsedAt) {

        /** Whether it may be used at {@code now}: not revoked, not expired. */
        public boolean activeAt(Instant now) {
            return revokedAt == null && (expiresAt == null || now.isBefore(expiresAt));
        }
    }

    private static final String COLUMNS = "id, name, project, role, secret_sha256, created_by, created_at,"
            + " expires_at, revoked_at, last_used_at";

    private final EntityManager em;

    public ApiTokenRepository(EntityManager em) {
        this.em = em;
    }

    /** Stores the token; false when one with its id exists already. */
    public boolean insert(StoredToken token) {
        return em.createNativeQuery("insert into api_tokens (" + COLUMNS + ") values (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8,"
                + " null, null) on conflict (id) do nothing").setParameter(1, token.id()).setParameter(2, token.name())
                .setParameter(3, token.project()).setParameter(4, token.role().name())
                .setParameter(5, token.secretSha256()).setParameter(6, token.createdBy())
                .setParameter(7, token.createdAt())
                .setParameter(8, token.expiresAt()).executeUpdate() == 1;
    }

    public StoredToken find(String id) {
        List<?> rows = em.createNativeQuery("select " + COLUMNS + " from api_tokens where id = ?1")
                .setParameter(1, id).getResultList();
        return rows.isEmpty() ? null : token((Object[]) rows.get(0));
    }

    /** The tokens of these ids that exist. */
    public List<StoredToken> findAll(Collection<String> ids) {
        return em.createNativeQuery("select " + COLUMNS + " from api_tokens where id = any(?1)")
                .setParameter(1, ids.toArray(String[]::new)).getResultList().stream()
                .map(row -> token((Object[]) row)).toList();
    }

    /** The project's tokens, revoked and expired ones included, newest first. */
    public List<StoredToken> list(String project) {
        return em.createNativeQuery("select " + COLUMNS + " from api_tokens where project = ?1"
                + " order by created_at desc, id").setParameter(1, project).getResultList().stream()
                .map(row -> token((Object[]) row)).toList();
    }

    /** Revokes the token; false when there is none of that id in the project or it was revoked already. */
    public boolean revoke(String id, String project, Instant now) {
        return em.createNativeQuery("update api_tokens set revoked_at = ?1 where id = ?2 and project = ?3"
                + " and revoked_at is null").setParameter(1, now).setParameter(2, id).setParameter(3, project)
                .executeUpdate() == 1;
    }

    /** Records a use; a no-op when one was recorded in the minute before {@code now}. */
    public void touch(String id, Instant now) {
        em.createNativeQuery("update api_tokens set last_used_at = ?1 where id = ?2 and (last_used_at is null"
                + " or last_used_at < ?3)").setParameter(1, now).setParameter(2, id)
                .setParameter(3, now.minusSeconds(60)).executeUpdate();
    }

    private static StoredToken token(Object[] row) {
        return new StoredToken((String) row[0], (String) row[1], (String) row[2], Role.valueOf((String) row[3]),
                (String) row[4], (String) row[5], instant(row[6]), row[7] == null ? null : instant(row[7]),
                row[8] == null ? null : instant(row[8]), row[9] == null ? null : instant(row[9]));
    }
}
