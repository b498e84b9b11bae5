package dev.kiln.store.triggers;

import static dev.kiln.store.NativeRows.instant;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** Triggers and their firings (V22, V24). Callers own the transaction. */
@ApplicationScoped
public class TriggerRepository {

    /** What makes a trigger fire. */
    public enum WhenKind {
        DATASET_READY, EVENT, SCHEDULE
    }

    /**
     * A stored trigger; exactly the fields of its kind are set, and one of {@code runRequest} (a POST
     * /api/v1/runs body) and {@code studyRequest} (a POST /api/v1/studies body), as JSON.
     */
    public record Trigger(UUID id, String project, String name, WhenKind kind, String dataset, String eventType,
            String eventSubject, String cron, String runRequest, String studyRequest, String createdBy,
            Instant createdAt, boolean paused) {
    }

    /** One firing: the run or study it started, or why it started none. */
    public record Firing(UUID triggerId, String cause, Instant firedAt, UUID runId, UUID studyId, String error) {
    }

    private static final String TRIGGER_COLUMNS = "id, project, name, when_kind, when_dataset, event_type, "
            + "event_subject, cron, run_request, study_request, created_by, created_at, paused";

    private final EntityManager em;

    public TriggerRepository(EntityManager em) {
        this.em = em;
    }

    /** Stores a new trigger; false when the project already has one of that name. */
    public boolean create(Trigger t) {
        return em.createNativeQuery("insert into triggers (" + TRIGGER_COLUMNS + ") values (?1, ?2, ?3, ?4, ?5, ?6,"
                + " ?7, ?8, ?9, ?10, ?11, ?12, ?13) on conflict do nothing")
                .setParameter(1, t.id()).setParameter(2, t.project()).setParameter(3, t.name())
                .setParameter(4, t.kind().name()).setParameter(5, t.dataset()).setParameter(6, t.eventType())
                .setParameter(7, t.eventSubject()).setParameter(8, t.cron()).setParameter(9, t.runRequest())
                .setParameter(10, t.studyRequest()).setParameter(11, t.createdBy()).setParameter(12, t.createdAt())
                .setParameter(13, t.paused())
                .executeUpdate() == 1;
    }

    public Trigger find(UUID id, String project) {
        List<Trigger> found = select("where id = ?1 and project = ?2", id, project);
        return found.isEmpty() ? null : found.get(0);
    }

    public List<Trigger> list(String project) {
        return select("where project = ?1 order by created_at, name", project);
    }

    /** The triggers not paused of one kind, every project's. */
    public List<Trigger> active(WhenKind kind) {
        return select("where when_kind = ?1 and not paused order by created_at", kind.name());
    }

    public boolean setPaused(UUID id, String project, boolean paused) {
        return em.createNativeQuery("update triggers set paused = ?3 where id = ?1 and project = ?2")
                .setParameter(1, id).setParameter(2, project).setParameter(3, paused).executeUpdate() == 1;
    }

    public boolean delete(UUID id, String project) {
        return em.createNativeQuery("delete from triggers where id = ?1 and project = ?2")
                .setParameter(1, id).setParameter(2, project).executeUpdate() == 1;
    }

    /** Records a firing unless this cause already fired the trigger; whether this call recorded it. */
    public boolean recordFiring(Firing f) {
        return em.createNativeQuery("insert into trigger_firings (trigger_id, cause, fired_at, run_id, study_id,"
                + " error) values (?1, ?2, ?3, ?4, ?5, ?6) on conflict do nothing")
                .setParameter(1, f.triggerId()).setParameter(2, f.cause()).setParameter(3, f.firedAt())
                .setParameter(4, f.runId()).setParameter(5, f.studyId()).setParameter(6, f.error())
                .executeUpdate() == 1;
    }

    public boolean fired(UUID triggerId, String cause) {
        return !em.createNativeQuery("select 1 from trigger_firings where trigger_id = ?1 and cause = ?2")
                .setParameter(1, triggerId).setParameter(2, cause).getResultList().isEmpty();
    }

    /** The trigger's newest firings first. */
    public List<Firing> firings(UUID triggerId, int limit) {
        List<Object[]> rows = em.createNativeQuery("select trigger_id, cause, fired_at, run_id, study_id, error from"
                + " trigger_firings where trigger_id = ?1 order by fired_at desc, cause limit ?2")
                .setParameter(1, triggerId).setParameter(2, limit).getResultList();
        return rows.stream().map(r -> new Firing((UUID) r[0], (String) r[1], instant(r[2]), (UUID) r[3],
                (UUID) r[4], (String) r[5])).toList();
    }

    /**
     * The READY versions of the data set that became READY after {@code since} and have not fired the trigger:
     * what a missed or not yet delivered event left undone.
     */
    public List<Integer> readyVersionsNotFired(UUID triggerId, String dataset, Instant since) {
        List<Number> rows = em.createNativeQuery("select v.version from dataset_versions v where v.dataset = ?1"
                + " and v.status = 'READY' and v.finished_at > ?2 and not exists (select 1 from trigger_firings f"
                + " where f.trigger_id = ?3 and f.cause = v.dataset || '@' || v.version) order by v.version")
                .setParameter(1, dataset).setParameter(2, since).setParameter(3, triggerId).getResultList();
        return rows.stream().map(Number::intValue).toList();
    }

    private List<Trigger> select(String where, Object... parameters) {
        var query = em.createNativeQuery("select " + TRIGGER_COLUMNS + " from triggers " + where);
        for (int i = 0; i < parameters.length; i++) {
            query.setParameter(i + 1, parameters[i]);
        }
        List<Object[]> rows = query.getResultList();
        return rows.stream().map(r -> new Trigger((UUID) r[0], (String) r[1], (String) r[2],
                WhenKind.valueOf((String) r[3]), (String) r[4], (String) r[5], (String) r[6], (String) r[7],
                (String) r[8], (String) r[9], (String) r[10], instant(r[11]), (Boolean) r[12])).toList();
    }
}
