package dev.kiln.store.audit;

import static dev.kiln.store.NativeRows.instant;

import dev.kiln.contracts.audit.AuditEventV1;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.util.List;
import java.util.UUID;

/** The audit trail ({@code audit_events}): appended to, read by a project's admins. Callers own the transaction. */
@ApplicationScoped
public class AuditRepository {

    @Inject
    EntityManager entityManager;

    public void append(AuditEventV1 event) {
        entityManager.createNativeQuery("insert into audit_events (id, at, actor, project, action, target, status,"
                + " remote, detail) values (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)")
                .setParameter(1, event.id()).setParameter(2, event.at()).setParameter(3, event.actor())
                .setParameter(4, event.project()).setParameter(5, event.action()).setParameter(6, event.target())
                .setParameter(7, event.status()).setParameter(8, event.remote()).setParameter(9, event.detail())
                .executeUpdate();
    }

    /** The project's entries, newest first, one page. */
    @SuppressWarnings("unchecked")
    public List<AuditEventV1> list(String project, int offset, int limit) {
        List<Object[]> rows = entityManager.createNativeQuery("select id, at, actor, project, action, target, status,"
                + " remote, detail from audit_events where project = ?1 order by at desc, id offset ?2 limit ?3")
                .setParameter(1, project).setParameter(2, offset).setParameter(3, limit).getResultList();
        return rows.stream().map(r -> new AuditEventV1(AuditEventV1.SCHEMA, (UUID) r[0], instant(r[1]), (String) r[2],
                (String) r[3], (String) r[4], (String) r[5], ((Number) r[6]).intValue(), (String) r[7],
                (String) r[8])).toList();
    }
}
